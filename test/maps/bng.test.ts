// British National Grid: the Helmert transformation and Transverse Mercator projection in
// src/maps/bng.ts against Ordnance Survey's own reference points.
import { describe, expect, it } from 'vitest';
import { osgb36ToGrid, toBng } from '../../src/maps/bng.ts';
import { fixtureWards } from './helpers.ts';

/**
 * OS's 40 OSTN15 test points, Scilly to Shetland: ETRS89 latitude and longitude in, OSGB36 easting
 * and northing out, from OS's OSTN15/OSGM15 developer pack (OSTN15_OSGM15_TestInput_ETRStoOSGB.txt
 * and OSTN15_OSGM15_TestOutput_ETRStoOSGB.txt; OSTN15 is Crown copyright, released by OS under a
 * BSD licence), copied from thruston/grid-banger @ a8625a82c21d3bc987630b89e5a6a9fe43ab88a3
 * (osgb/test/). OSTN15 is the definitive transformation; the 7-parameter Helmert approximates it.
 */
const OSTN15_POINTS: Array<[string, number, number, number, number]> = [
  ['TP01', 49.9222639373, -6.29977752014, 91492.146, 11318.804],
  ['TP02', 49.9600613782, -5.20304609998, 170370.718, 11572.405],
  ['TP03', 50.4388582561, -4.10864563561, 250359.811, 62016.569],
  ['TP04', 50.57563665, -1.2978227724, 449816.371, 75335.861],
  ['TP05', 50.9312793791, -1.450514337, 438710.92, 114792.25],
  ['TP06', 51.4007822014, -3.5512834924, 292184.87, 168003.465],
  ['TP07', 51.3744702555, 1.44454730409, 639821.835, 169565.858],
  ['TP08', 51.4275474302, -2.54407618349, 362269.991, 169978.69],
  ['TP09', 51.4893656495, -0.1199255718, 530624.974, 178388.464],
  ['TP10', 51.858908964, -4.3085247696, 241124.584, 220332.641],
  ['TP11', 51.8943663735, 0.89724327012, 599445.59, 225722.826],
  ['TP12', 52.2552938163, -2.15458614387, 389544.19, 261912.153],
  ['TP13', 52.2516095123, -0.9124895697, 474335.969, 262047.755],
  ['TP14', 52.7513668717, 0.40153547065, 562180.547, 319784.995],
  ['TP15', 52.9621910941, -1.19747655922, 454002.834, 340834.943],
  ['TP16', 53.3448028019, -2.6404932081, 357455.843, 383290.436],
  ['TP17', 53.4162851604, -4.28918069756, 247958.971, 393492.909],
  ['TP18', 53.4163092542, -4.28917792869, 247959.241, 393495.583],
  ['TP19', 53.7791102576, -3.04045490691, 331534.564, 431920.794],
  ['TP20', 53.8002151963, -1.66379168242, 422242.186, 433818.701],
  ['TP21', 54.0866631808, -4.63452168212, 227778.33, 468847.388],
  ['TP22', 54.1168514429, -0.07773133187, 525745.67, 470703.214],
  ['TP23', 54.3291954101, -4.38849118133, 244780.636, 495254.887],
  ['TP24', 54.8954234042, -2.93827741149, 339921.145, 556034.761],
  ['TP25', 54.9791227366, -1.61657685184, 424639.355, 565012.703],
  ['TP26', 55.8539995295, -4.29649016251, 256340.925, 664697.269],
  ['TP27', 55.9247826551, -3.29479219337, 319188.434, 670947.534],
  ['TP28', 57.0060669605, -5.8283669185, 167634.202, 797067.144],
  ['TP29', 57.1390251896, -2.04856030746, 397160.491, 805349.736],
  ['TP30', 57.4862500072, -4.21926398555, 267056.768, 846176.972],
  ['TP31', 57.8135183841, -8.57854456076, 9587.909, 899448.996],
  ['TP32', 58.2126224718, -7.59255560556, 71713.132, 938516.404],
  ['TP33', 58.515603613, -6.26091455533, 151968.652, 966483.78],
  ['TP34', 58.5812046128, -3.72631022121, 299721.891, 967202.992],
  ['TP35', 59.0374387119, -3.21454001115, 330398.323, 1017347.016],
  ['TP36', 59.0933503532, -4.41757674598, 261596.778, 1025447.602],
  ['TP37', 59.096716174, -5.82799339844, 180862.461, 1029604.114],
  ['TP38', 59.5347079449, -1.62516966058, 421300.525, 1072147.239],
  ['TP39', 59.8540991389, -1.27486910356, 440725.073, 1107878.448],
  ['TP40', 60.1330809166, -2.07382822798, 395999.668, 1138728.951],
];

const dms = (d: number, m: number, s: number) => d + m / 60 + s / 3600;

describe('WGS84 to British National Grid', () => {
  it("matches every one of OS's 40 OSTN15 reference points to under 5 m (the Helmert transformation's stated accuracy)", () => {
    const errors = OSTN15_POINTS.map(([id, lat, lon, e, n]) => {
      const [x, y] = toBng(lon, lat);
      return { id, metres: Math.hypot(x - e, y - n) };
    });
    for (const { id, metres } of errors) expect(metres, id).toBeLessThan(5);
    // in England south of the Scottish border, where the maps are drawn, within 3 m
    for (const { id, metres } of errors.filter((_, i) => OSTN15_POINTS[i]![1] < 55 && OSTN15_POINTS[i]![2] > -5)) expect(metres, id).toBeLessThan(3);
  });

  it("projects OSGB36 latitude and longitude as the OS guide's worked example (Annex C) does, to the millimetre", () => {
    const [e, n] = osgb36ToGrid(dms(52, 39, 27.2531), dms(1, 43, 4.5177));
    expect(Math.abs(e - 651409.903)).toBeLessThan(0.001);
    expect(Math.abs(n - 313177.27)).toBeLessThan(0.001);
  });

  it("puts each fixture ward's ONS label point (published in both WGS84 and BNG) within 5 m of ONS's grid reference", () => {
    const wards = fixtureWards();
    expect(wards).toHaveLength(120);
    for (const w of wards) {
      const [x, y] = toBng(w.lon, w.lat);
      // ONS rounds the grid reference to the metre and the longitude and latitude to 6 decimal places
      expect(Math.hypot(x - w.bngE, y - w.bngN), w.name).toBeLessThan(5);
    }
  });
});
