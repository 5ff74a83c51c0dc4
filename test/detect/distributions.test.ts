import { describe, expect, it } from 'vitest';
import { logGamma, pnbinom, pnorm, ppois, pt, qgamma, qnbinom, qnorm, qpois } from '../../src/detect/distributions.ts';

// Expected values printed by R 4.2.2 with options(digits = 17).
const close = (got: number, want: number, rel = 1e-10) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-300);

describe('distributions agree with R', () => {
  it('normal', () => {
    close(pnorm(1.7), 9.5543453724145699e-1);
    close(pnorm(-8.2), 1.2019351542735859e-16, 1e-8);
    close(qnorm(0.995), 2.5758293035488999);
    close(qnorm(1e-10), -6.3613409024040557);
    expect(pnorm(2, 1, 0)).toBe(1);
  });
  it('Student t', () => {
    close(pt(-2.1, 7), 3.6935598106461298e-2);
    close(pt(0.3, 33), 6.1697058091480406e-1);
    expect(2 * pt(-1e-9, 30)).toBeLessThan(1); // the trend test must not round a p-value near 1 up to 1
  });
  it('Poisson', () => {
    close(ppois(4, 2.5), 8.9117801891415127e-1);
    close(ppois(30, 12.3, false), 5.4477481226357789e-6, 1e-8);
    expect(qpois(0.995, 3.7)).toBe(9);
    expect(qpois(0.95, 150)).toBe(170);
  });
  it('negative binomial', () => {
    close(pnbinom(7, 0.8, 0.3), 9.6055916781635498e-1);
    close(pnbinom(40, 12.5, 0.4, false), 4.4322653394363127e-3, 1e-8);
    expect(qnbinom(0.995, 2.3, 1 / 2.5)).toBe(15);
    expect(qnbinom(0.95, 0.05, 0.2)).toBe(1);
    expect(qnbinom(0.995, 1e5, 1 / 1.0001)).toBe(19);
  });
  it('gamma', () => {
    close(qgamma(0.025, 3), 6.1867212289560136e-1, 1e-9);
    close(qgamma(0.975, 11), 1.8390356042017778e1, 1e-9);
    close(logGamma(0.3), 1.0957979948180756, 1e-12);
    close(logGamma(1234.5), 7.5505509010778942e3, 1e-12);
  });
});
