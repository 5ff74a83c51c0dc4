// Ward maps: choropleths of a MapRequest (src/core/reply.ts) on @napi-rs/canvas, with the ward
// boundaries from the store. A map request carries no geometry (it is stored and drawn on demand by
// any replica), so drawing one needs the store: `renderMap(store, request)`. With the geometry in
// hand, `renderMapPng(request, geometry)` is synchronous and deterministic.
//
//   const geometry = await loadMapGeometry(store, request.wards.map((w) => w.code));
//   const png = renderMapPng(request, geometry);                    // 1000 px wide
//   const small = await renderMap(store, request, { size: 'compact' }); // 640 px wide, 16 colours
//   const alt = mapAltText(request).join(' ');
import type { MapRequest } from '../core/reply.ts';
import type { Store } from '../store/types.ts';
import { loadMapGeometry } from './load.ts';
import { renderMapPng, type MapSize } from './render.ts';

export { adjacentGroups, describeGroups, groupWhere, mapAltText, whereWords } from './alt.ts';
export { toBng, osgb36ToGrid, wgs84ToOsgb36 } from './bng.ts';
export { classify, classLabels, formatMapValue, jenksMaxima, type ClassMethod, type Classification } from './classify.ts';
export { adjacentPairs, pointInPolygon, pointInWard, prepareGeometry, relativePositions, type MapGeometry, type WardShape } from './geometry.ts';
export { clearMapGeometryCache, geometryFromBoundaries, loadMapGeometry } from './load.ts';
export { drawMap, layoutMap, renderMapPng, type MapLayout, type MapSize, type PlacedLabel } from './render.ts';
export { buildMapRequest, type MapInput, type MapWardInput } from './request.ts';
export { DRAWING_PROPERTY, isDrawingCopy, simplifyFeatures, simplifyForDrawing } from '../geo/simplify.ts';
export { CLASS_COLOURS, classColours, DEFAULT_ATTRIBUTION, MAP_STYLE } from './style.ts';

/** Loads the wards' geometry (memoised) and draws the map. */
export async function renderMap(store: Pick<Store, 'drawingBoundaries'>, request: MapRequest, options: { size?: MapSize } = {}): Promise<Buffer> {
  const geometry = await loadMapGeometry(
    store,
    request.wards.map((w) => w.code),
  );
  return renderMapPng(request, geometry, options);
}
