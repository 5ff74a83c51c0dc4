// The attack harness's solver: what a reader can prove about hidden counts from everything the replies
// said, solved together. Unknowns are non-negative integers (a protected count per measure, area and
// month); each constraint says a signed sum of them lies in [lo, hi] (an exact public figure: lo = hi;
// a perturbed figure: its value plus or minus the largest adjustment the ptable can give). Solved by
// interval propagation (bounds consistency, to a fixpoint) and exact equality elimination (reduced row
// echelon form over the constraints with lo = hi, after substituting every unknown already pinned),
// repeated until neither learns anything more. A value is recovered exactly when its interval closes to
// one integer.

export interface Constraint {
  terms: Array<{ v: number; a: 1 | -1 }>;
  lo: number;
  hi: number;
  /** what it came from, for failure messages */
  why: string;
}

export class Solver {
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  readonly constraints: Constraint[] = [];
  /** Constraints may be wrong (an attacker's guess at the largest adjustment): a contradiction is ignored, not an error. */
  lenient = false;

  variable(name: string): number {
    let v = this.index.get(name);
    if (v === undefined) {
      v = this.names.length;
      this.index.set(name, v);
      this.names.push(name);
      this.lo.push(0);
      this.hi.push(Infinity);
    }
    return v;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  id(name: string): number | undefined {
    return this.index.get(name);
  }

  add(c: Constraint): void {
    if (c.terms.length) this.constraints.push(c);
  }

  /** Bounds of a signed sum of unknowns under the current intervals. */
  sumBounds(terms: Constraint['terms']): [number, number] {
    let lo = 0;
    let hi = 0;
    for (const { v, a } of terms) {
      lo += a > 0 ? this.lo[v]! : -this.hi[v]!;
      hi += a > 0 ? this.hi[v]! : -this.lo[v]!;
    }
    return [lo, hi];
  }

  private propagate(): boolean {
    let any = false;
    for (let round = 0; round < 200; round++) {
      let changed = false;
      for (const c of this.constraints) {
        const [slo, shi] = this.sumBounds(c.terms);
        for (const { v, a } of c.terms) {
          // a*x = S - rest, rest in [slo - own, shi - own]
          const ownLo = a > 0 ? this.lo[v]! : -this.hi[v]!;
          const ownHi = a > 0 ? this.hi[v]! : -this.lo[v]!;
          const restLo = slo - ownLo;
          const restHi = shi - ownHi;
          let axLo = c.lo - restHi;
          let axHi = c.hi - restLo;
          if (Number.isNaN(axLo)) axLo = -Infinity;
          if (Number.isNaN(axHi)) axHi = Infinity;
          const xLo = Math.ceil(a > 0 ? axLo : -axHi);
          const xHi = Math.floor(a > 0 ? axHi : -axLo);
          if (this.lenient && (xLo > this.hi[v]! || xHi < this.lo[v]!)) continue;
          if (xLo > this.lo[v]!) {
            this.lo[v] = xLo;
            changed = true;
          }
          if (xHi < this.hi[v]!) {
            this.hi[v] = xHi;
            changed = true;
          }
          if (this.lo[v]! > this.hi[v]!) throw new Error(`inconsistent constraints at ${this.names[v]} (${c.why}): the harness built an equation the data does not satisfy`);
        }
      }
      any ||= changed;
      if (!changed) break;
    }
    return any;
  }

  /** Exact equations (lo = hi) with pinned unknowns substituted, in reduced row echelon form. */
  private eliminate(): boolean {
    const rows: Array<Map<number, number>> = [];
    const rhs: number[] = [];
    for (const c of this.constraints) {
      if (c.lo !== c.hi) continue;
      const row = new Map<number, number>();
      let b = c.lo;
      for (const { v, a } of c.terms) {
        if (this.lo[v] === this.hi[v]) b -= a * this.lo[v]!;
        else row.set(v, (row.get(v) ?? 0) + a);
      }
      for (const [v, a] of row) if (a === 0) row.delete(v);
      if (row.size) {
        rows.push(row);
        rhs.push(b);
      }
    }
    // Gauss-Jordan over sparse rows with rational (float, then rounded) coefficients: the equations
    // have coefficients +-1 and few unknowns each, so the pivots stay small integers in practice.
    const pivotRow = new Map<number, number>();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (const [pv, pr] of pivotRow) {
        const f = row.get(pv);
        if (f === undefined) continue;
        const prow = rows[pr]!;
        for (const [v, a] of prow) {
          const nv = (row.get(v) ?? 0) - f * a;
          if (Math.abs(nv) < 1e-9) row.delete(v);
          else row.set(v, nv);
        }
        rhs[r] = rhs[r]! - f * rhs[pr]!;
      }
      const first = row.keys().next();
      if (first.done) continue;
      const pv = first.value;
      const pa = row.get(pv)!;
      for (const [v, a] of row) row.set(v, a / pa);
      rhs[r] = rhs[r]! / pa;
      // eliminate pv from earlier pivot rows
      for (const [, qr] of pivotRow) {
        const q = rows[qr]!;
        const f = q.get(pv);
        if (f === undefined) continue;
        for (const [v, a] of row) {
          const nv = (q.get(v) ?? 0) - f * a;
          if (Math.abs(nv) < 1e-9) q.delete(v);
          else q.set(v, nv);
        }
        rhs[qr] = rhs[qr]! - f * rhs[r]!;
      }
      pivotRow.set(pv, r);
    }
    let changed = false;
    for (const [pv, r] of pivotRow) {
      const row = rows[r]!;
      if (row.size !== 1) continue;
      const value = Math.round(rhs[r]!);
      if (this.lo[pv] !== value || this.hi[pv] !== value) {
        if (value < this.lo[pv]! || value > this.hi[pv]!) {
          if (this.lenient) continue;
          throw new Error(`elimination pinned ${this.names[pv]} outside its bounds`);
        }
        this.lo[pv] = value;
        this.hi[pv] = value;
        changed = true;
      }
    }
    return changed;
  }

  solve(): void {
    for (let i = 0; i < 20; i++) {
      const a = this.propagate();
      const b = this.eliminate();
      if (!a && !b) break;
    }
  }

  pinned(v: number): boolean {
    return this.lo[v] === this.hi[v];
  }
}
