// WGS84 longitude/latitude to British National Grid eastings and northings, in metres.
//
// Everything here follows Ordnance Survey, "A guide to coordinate systems in Great Britain"
// (v3.6, 2020; first published 1999 as "National GPS Network information"), section by section:
//   - section 6.6 and table 6: the 7-parameter Helmert transformation from ETRS89 (WGS84 to well
//     within a metre in GB) to OSGB36, on Cartesian coordinates, with its small-angle rotation matrix;
//     the guide puts its accuracy at a few metres (about 5 m at worst), which is why the tests accept
//     under 5 m against OSTN15 (the definitive transformation) and why maps need nothing better;
//   - Annex B: latitude, longitude and height to Cartesian X, Y, Z and back (the iterative method
//     of B.2), on the GRS80 and Airy 1830 ellipsoids (table 1);
//   - Annex C: the Transverse Mercator projection with the National Grid's parameters (table 2:
//     true origin 49°N 2°W, false origin E 400 000, N -100 000, central scale factor 0.9996012717),
//     formulas C1 to C3 (the meridional arc M, then I, II, III, IIIA, IV, V, VI).
// No tiles, no network, no grid file: OSTN15 would take a 15 MB grid for sub-metre accuracy that a
// ward map cannot show.

const DEG = Math.PI / 180;

interface Ellipsoid {
  a: number;
  b: number;
}
/** GRS80, the ETRS89 ellipsoid (WGS84's differs in b by 0.1 mm). */
const GRS80: Ellipsoid = { a: 6378137.0, b: 6356752.3141 };
/** Airy 1830, the OSGB36 ellipsoid. */
const AIRY1830: Ellipsoid = { a: 6377563.396, b: 6356256.909 };

/** ETRS89 to OSGB36 (the guide's table 6): translations in metres, scale in ppm, rotations in arc seconds. */
const HELMERT = { tx: -446.448, ty: 125.157, tz: -542.06, s: 20.4894, rx: -0.1502, ry: -0.247, rz: -0.8421 };

/** National Grid projection constants (the guide's table 2). */
const NATIONAL_GRID = { F0: 0.9996012717, phi0: 49 * DEG, lambda0: -2 * DEG, E0: 400000, N0: -100000 };

/** Annex B.1: geodetic (radians, metres) to Cartesian. */
function toCartesian(phi: number, lambda: number, h: number, el: Ellipsoid): [number, number, number] {
  const e2 = (el.a * el.a - el.b * el.b) / (el.a * el.a);
  const sinPhi = Math.sin(phi);
  const nu = el.a / Math.sqrt(1 - e2 * sinPhi * sinPhi);
  return [(nu + h) * Math.cos(phi) * Math.cos(lambda), (nu + h) * Math.cos(phi) * Math.sin(lambda), ((1 - e2) * nu + h) * sinPhi];
}

/** Annex B.2: Cartesian to geodetic latitude and longitude (radians), iterating to 1e-12 rad (well under 0.1 mm). */
function fromCartesian(x: number, y: number, z: number, el: Ellipsoid): [number, number] {
  const e2 = (el.a * el.a - el.b * el.b) / (el.a * el.a);
  const p = Math.sqrt(x * x + y * y);
  let phi = Math.atan2(z, p * (1 - e2));
  for (let i = 0; i < 10; i++) {
    const sinPhi = Math.sin(phi);
    const nu = el.a / Math.sqrt(1 - e2 * sinPhi * sinPhi);
    const next = Math.atan2(z + e2 * nu * sinPhi, p);
    if (Math.abs(next - phi) < 1e-12) {
      phi = next;
      break;
    }
    phi = next;
  }
  return [phi, Math.atan2(y, x)];
}

/** Section 6.6: the Helmert transformation, ETRS89 Cartesian to OSGB36 Cartesian. */
function helmert(x: number, y: number, z: number): [number, number, number] {
  const sec = DEG / 3600;
  const s = 1 + HELMERT.s * 1e-6;
  const rx = HELMERT.rx * sec,
    ry = HELMERT.ry * sec,
    rz = HELMERT.rz * sec;
  return [HELMERT.tx + s * x - rz * y + ry * z, HELMERT.ty + rz * x + s * y - rx * z, HELMERT.tz - ry * x + rx * y + s * z];
}

/**
 * Annex C: Transverse Mercator projection of OSGB36 latitude and longitude (degrees, on Airy 1830)
 * to National Grid eastings and northings (metres). The guide's worked example (C.1):
 * 52°39'27.2531"N 1°43'4.5177"E gives E 651409.903, N 313177.270.
 */
export function osgb36ToGrid(latDeg: number, lonDeg: number): [number, number] {
  const { a, b } = AIRY1830;
  const { F0, phi0, lambda0, E0, N0 } = NATIONAL_GRID;
  const phi = latDeg * DEG;
  const lambda = lonDeg * DEG;
  const e2 = (a * a - b * b) / (a * a);
  const n = (a - b) / (a + b),
    n2 = n * n,
    n3 = n2 * n;
  const sinPhi = Math.sin(phi),
    cosPhi = Math.cos(phi),
    tanPhi = Math.tan(phi);
  const tan2 = tanPhi * tanPhi,
    tan4 = tan2 * tan2;
  const nu = (a * F0) / Math.sqrt(1 - e2 * sinPhi * sinPhi);
  const rho = (a * F0 * (1 - e2)) / Math.pow(1 - e2 * sinPhi * sinPhi, 1.5);
  const eta2 = nu / rho - 1;
  const dPhi = phi - phi0,
    sPhi = phi + phi0;
  const M =
    b *
    F0 *
    ((1 + n + (5 / 4) * n2 + (5 / 4) * n3) * dPhi -
      (3 * n + 3 * n2 + (21 / 8) * n3) * Math.sin(dPhi) * Math.cos(sPhi) +
      ((15 / 8) * n2 + (15 / 8) * n3) * Math.sin(2 * dPhi) * Math.cos(2 * sPhi) -
      (35 / 24) * n3 * Math.sin(3 * dPhi) * Math.cos(3 * sPhi));
  const cos3 = cosPhi * cosPhi * cosPhi,
    cos5 = cos3 * cosPhi * cosPhi;
  const I = M + N0;
  const II = (nu / 2) * sinPhi * cosPhi;
  const III = (nu / 24) * sinPhi * cos3 * (5 - tan2 + 9 * eta2);
  const IIIA = (nu / 720) * sinPhi * cos5 * (61 - 58 * tan2 + tan4);
  const IV = nu * cosPhi;
  const V = (nu / 6) * cos3 * (nu / rho - tan2);
  const VI = (nu / 120) * cos5 * (5 - 18 * tan2 + tan4 + 14 * eta2 - 58 * tan2 * eta2);
  const dL = lambda - lambda0,
    dL2 = dL * dL,
    dL3 = dL2 * dL,
    dL4 = dL2 * dL2,
    dL5 = dL4 * dL,
    dL6 = dL3 * dL3;
  return [E0 + IV * dL + V * dL3 + VI * dL5, I + II * dL2 + III * dL4 + IIIA * dL6];
}

/** WGS84 (ETRS89) longitude and latitude in degrees to OSGB36 latitude and longitude in degrees. */
export function wgs84ToOsgb36(lonDeg: number, latDeg: number, height = 0): [number, number] {
  const [x, y, z] = toCartesian(latDeg * DEG, lonDeg * DEG, height, GRS80);
  const [x2, y2, z2] = helmert(x, y, z);
  const [phi, lambda] = fromCartesian(x2, y2, z2, AIRY1830);
  return [phi / DEG, lambda / DEG];
}

/** WGS84 longitude, latitude (degrees, as GeoJSON orders them) to British National Grid [easting, northing] in metres. */
export function toBng(lonDeg: number, latDeg: number): [number, number] {
  const [lat, lon] = wgs84ToOsgb36(lonDeg, latDeg);
  return osgb36ToGrid(lat, lon);
}
