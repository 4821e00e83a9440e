// A small WebAssembly assembler: enough of the binary format (types, one imported
// memory, functions, exports, code) and of the instruction set (i32/f32 scalar ops,
// 128-bit SIMD, structured control flow) to write this backend's kernels in
// TypeScript. The module is built in a few milliseconds when the backend is created,
// so there is no build step and no binary in the repository. Method names follow
// the WAT mnemonics (`f32x4_add` is `f32x4.add`) so a kernel reads like its text form.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Readonly<Record<ValType, number>> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
};

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** A local variable (or parameter) of the function being written. */
export type Local = { readonly index: number; readonly type: ValType };

/** The body of one function: an instruction stream with typed locals. */
export class FunctionBuilder {
  readonly code: number[] = [];
  readonly params: Local[];
  readonly extraLocals: ValType[] = [];

  constructor(
    readonly name: string,
    paramTypes: readonly ValType[],
    readonly results: readonly ValType[],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  /** A fresh local of `type`. */
  local(type: ValType): Local {
    const index = this.params.length + this.extraLocals.length;
    this.extraLocals.push(type);
    return { index, type };
  }

  #op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  #simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }

  #mem(opcode: number, align: number, offset: number, simd = false): this {
    if (simd) this.#simd(opcode);
    else this.code.push(opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  // Control -----------------------------------------------------------------
  /** `block … end`; `br 0` inside `body` leaves it. */
  block(body: () => void): this {
    this.#op(0x02, 0x40);
    body();
    return this.#op(0x0b);
  }
  /** `loop … end`; `br 0` inside `body` jumps back to its start. */
  loop(body: () => void): this {
    this.#op(0x03, 0x40);
    body();
    return this.#op(0x0b);
  }
  /** `if … (else …) end` on the i32 on the stack. */
  if_(then: () => void, otherwise?: () => void): this {
    this.#op(0x04, 0x40);
    then();
    if (otherwise) {
      this.#op(0x05);
      otherwise();
    }
    return this.#op(0x0b);
  }
  br(depth: number): this {
    this.#op(0x0c);
    uleb(this.code, depth);
    return this;
  }
  br_if(depth: number): this {
    this.#op(0x0d);
    uleb(this.code, depth);
    return this;
  }
  return_(): this {
    return this.#op(0x0f);
  }
  call(functionIndex: number): this {
    this.#op(0x10);
    uleb(this.code, functionIndex);
    return this;
  }
  select(): this {
    return this.#op(0x1b);
  }
  drop(): this {
    return this.#op(0x1a);
  }

  /**
   * `for (i = start; i < end; i += step) body` over i32 locals (signed compare). The
   * body must not branch out of the loop itself; `start`, `end` are emitted by callbacks.
   */
  for_(i: Local, start: () => void, end: () => void, step: number, body: () => void): this {
    start();
    this.local_set(i);
    return this.block(() => {
      this.loop(() => {
        this.local_get(i);
        end();
        this.i32_ge_s().br_if(1);
        body();
        this.local_get(i).i32_const(step).i32_add().local_set(i).br(0);
      });
    });
  }

  // Variables -----------------------------------------------------------------
  local_get(l: Local): this {
    this.#op(0x20);
    uleb(this.code, l.index);
    return this;
  }
  local_set(l: Local): this {
    this.#op(0x21);
    uleb(this.code, l.index);
    return this;
  }
  local_tee(l: Local): this {
    this.#op(0x22);
    uleb(this.code, l.index);
    return this;
  }

  // Memory (align is log2 of the natural alignment; offsets in bytes) -------------
  i32_load(offset = 0): this {
    return this.#mem(0x28, 2, offset);
  }
  f32_load(offset = 0): this {
    return this.#mem(0x2a, 2, offset);
  }
  i32_load8_u(offset = 0): this {
    return this.#mem(0x2d, 0, offset);
  }
  i32_store(offset = 0): this {
    return this.#mem(0x36, 2, offset);
  }
  f32_store(offset = 0): this {
    return this.#mem(0x38, 2, offset);
  }
  i32_store8(offset = 0): this {
    return this.#mem(0x3a, 0, offset);
  }
  v128_load(offset = 0): this {
    return this.#mem(0x00, 4, offset, true);
  }
  v128_load32_splat(offset = 0): this {
    return this.#mem(0x09, 2, offset, true);
  }
  v128_store(offset = 0): this {
    return this.#mem(0x0b, 4, offset, true);
  }

  // Constants ---------------------------------------------------------------
  i32_const(value: number): this {
    this.#op(0x41);
    sleb(this.code, value);
    return this;
  }
  f32_const(value: number): this {
    this.#op(0x43);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    this.code.push(...bytes);
    return this;
  }
  /** A v128 with all four f32 lanes = value. */
  f32x4_const(value: number): this {
    this.#simd(0x0c);
    const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
    this.code.push(...bytes);
    return this;
  }
  /** A v128 with all four i32 lanes = value. */
  i32x4_const(value: number): this {
    this.#simd(0x0c);
    const bytes = new Uint8Array(new Int32Array([value, value, value, value]).buffer);
    this.code.push(...bytes);
    return this;
  }

  // i32 ---------------------------------------------------------------------
  i32_eqz(): this {
    return this.#op(0x45);
  }
  i32_eq(): this {
    return this.#op(0x46);
  }
  i32_ne(): this {
    return this.#op(0x47);
  }
  i32_lt_s(): this {
    return this.#op(0x48);
  }
  i32_lt_u(): this {
    return this.#op(0x49);
  }
  i32_gt_s(): this {
    return this.#op(0x4a);
  }
  i32_le_s(): this {
    return this.#op(0x4c);
  }
  i32_ge_s(): this {
    return this.#op(0x4e);
  }
  i32_add(): this {
    return this.#op(0x6a);
  }
  i32_sub(): this {
    return this.#op(0x6b);
  }
  i32_mul(): this {
    return this.#op(0x6c);
  }
  i32_div_u(): this {
    return this.#op(0x6e);
  }
  i32_and(): this {
    return this.#op(0x71);
  }
  i32_or(): this {
    return this.#op(0x72);
  }
  i32_shl(): this {
    return this.#op(0x74);
  }
  i32_shr_s(): this {
    return this.#op(0x75);
  }
  i32_shr_u(): this {
    return this.#op(0x76);
  }

  // f32 ---------------------------------------------------------------------
  f32_eq(): this {
    return this.#op(0x5b);
  }
  f32_ne(): this {
    return this.#op(0x5c);
  }
  f32_lt(): this {
    return this.#op(0x5d);
  }
  f32_gt(): this {
    return this.#op(0x5e);
  }
  f32_abs(): this {
    return this.#op(0x8b);
  }
  f32_neg(): this {
    return this.#op(0x8c);
  }
  f32_sqrt(): this {
    return this.#op(0x91);
  }
  f32_add(): this {
    return this.#op(0x92);
  }
  f32_sub(): this {
    return this.#op(0x93);
  }
  f32_mul(): this {
    return this.#op(0x94);
  }
  f32_div(): this {
    return this.#op(0x95);
  }
  f32_min(): this {
    return this.#op(0x96);
  }
  f32_max(): this {
    return this.#op(0x97);
  }
  f32_convert_i32_s(): this {
    return this.#op(0xb2);
  }

  // v128 / f32x4 / i32x4 -------------------------------------------------------
  f32x4_splat(): this {
    return this.#simd(0x13);
  }
  i32x4_splat(): this {
    return this.#simd(0x11);
  }
  f32x4_extract_lane(lane: number): this {
    this.#simd(0x1f);
    this.code.push(lane);
    return this;
  }
  f32x4_eq(): this {
    return this.#simd(0x41);
  }
  f32x4_ne(): this {
    return this.#simd(0x42);
  }
  f32x4_lt(): this {
    return this.#simd(0x43);
  }
  f32x4_gt(): this {
    return this.#simd(0x44);
  }
  f32x4_le(): this {
    return this.#simd(0x45);
  }
  f32x4_ge(): this {
    return this.#simd(0x46);
  }
  v128_not(): this {
    return this.#simd(0x4d);
  }
  v128_and(): this {
    return this.#simd(0x4e);
  }
  v128_andnot(): this {
    return this.#simd(0x4f);
  }
  v128_or(): this {
    return this.#simd(0x50);
  }
  v128_xor(): this {
    return this.#simd(0x51);
  }
  /** (v1, v2, mask) → bits of v1 where mask is 1, of v2 elsewhere. */
  v128_bitselect(): this {
    return this.#simd(0x52);
  }
  f32x4_ceil(): this {
    return this.#simd(0x67);
  }
  f32x4_floor(): this {
    return this.#simd(0x68);
  }
  f32x4_trunc(): this {
    return this.#simd(0x69);
  }
  f32x4_nearest(): this {
    return this.#simd(0x6a);
  }
  /** A v128 with i32 lanes (l0, l1, l2, l3). */
  i32x4_const_lanes(l0: number, l1: number, l2: number, l3: number): this {
    this.#simd(0x0c);
    const bytes = new Uint8Array(new Int32Array([l0, l1, l2, l3]).buffer);
    this.code.push(...bytes);
    return this;
  }
  i32x4_extract_lane(lane: number): this {
    this.#simd(0x1b);
    this.code.push(lane);
    return this;
  }
  i32x4_eq(): this {
    return this.#simd(0x37);
  }
  i32x4_ne(): this {
    return this.#simd(0x38);
  }
  /** Signed saturating narrow of two i16x8 into i8x16 (a's lanes first). */
  i8x16_narrow_i16x8_s(): this {
    return this.#simd(0x65);
  }
  /** Signed saturating narrow of two i32x4 into i16x8 (a's lanes first). */
  i16x8_narrow_i32x4_s(): this {
    return this.#simd(0x85);
  }
  /** Zero-extends the low eight u8 lanes to u16. */
  i16x8_extend_low_i8x16_u(): this {
    return this.#simd(0x89);
  }
  /** Zero-extends the low four u16 lanes to u32. */
  i32x4_extend_low_i16x8_u(): this {
    return this.#simd(0xa9);
  }
  i32x4_shr_u(): this {
    return this.#simd(0xad);
  }
  /** Lane-wise wrapping 32-bit multiply (the low word, as Math.imul). */
  i32x4_mul(): this {
    return this.#simd(0xb5);
  }
  i32x4_shl(): this {
    return this.#simd(0xab);
  }
  i32x4_add(): this {
    return this.#simd(0xae);
  }
  i32x4_sub(): this {
    return this.#simd(0xb1);
  }
  f32x4_abs(): this {
    return this.#simd(0xe0);
  }
  f32x4_neg(): this {
    return this.#simd(0xe1);
  }
  f32x4_sqrt(): this {
    return this.#simd(0xe3);
  }
  f32x4_add(): this {
    return this.#simd(0xe4);
  }
  f32x4_sub(): this {
    return this.#simd(0xe5);
  }
  f32x4_mul(): this {
    return this.#simd(0xe6);
  }
  f32x4_div(): this {
    return this.#simd(0xe7);
  }
  /** IEEE min/max: NaN if either lane is NaN (PyTorch's semantics for max/min). */
  f32x4_min(): this {
    return this.#simd(0xe8);
  }
  f32x4_max(): this {
    return this.#simd(0xe9);
  }
  i32x4_trunc_sat_f32x4_s(): this {
    return this.#simd(0xf8);
  }
  f32x4_convert_i32x4_s(): this {
    return this.#simd(0xfa);
  }
  /** Picks 16 bytes of the two v128 on the stack (indices 0–15: the first, 16–31: the second). */
  i8x16_shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31))
      throw new Error('i8x16.shuffle takes 16 lanes in [0, 32)');
    this.#simd(0x0d);
    this.code.push(...lanes);
    return this;
  }
  /** Relaxed SIMD a·b + c (fused where the CPU has FMA); only in engines that validate it. */
  f32x4_relaxed_madd(): this {
    return this.#simd(0x105);
  }
}

/** A module: one imported memory (`env.memory`) and exported functions. */
export class ModuleBuilder {
  readonly #functions: FunctionBuilder[] = [];

  constructor(readonly memory: { initialPages: number; maximumPages?: number; shared?: boolean }) {}

  /** Declares a function; its index (for `call`) is the order of declaration. */
  function(name: string, params: readonly ValType[], results: readonly ValType[] = []): FunctionBuilder {
    const fn = new FunctionBuilder(name, params, results);
    this.#functions.push(fn);
    return fn;
  }

  indexOf(fn: FunctionBuilder): number {
    return this.#functions.indexOf(fn);
  }

  /** The index of the function declared as `name` (for `call`). */
  indexByName(name: string): number {
    const index = this.#functions.findIndex((fn) => fn.name === name);
    if (index < 0) throw new Error(`no function ${name} declared yet`);
    return index;
  }

  /** The module's bytes. */
  encode(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]) => {
      out.push(id);
      uleb(out, body.length);
      out.push(...body);
    };

    // Types: one per distinct signature.
    const signatures: string[] = [];
    const typeOf = this.#functions.map((fn) => {
      const key = `${fn.params.map((p) => p.type).join(',')}>${fn.results.join(',')}`;
      let index = signatures.indexOf(key);
      if (index < 0) index = signatures.push(key) - 1;
      return index;
    });
    const types: number[] = [];
    uleb(types, signatures.length);
    for (const key of signatures) {
      const [params, results] = key.split('>') as [string, string];
      const list = (text: string) => (text === '' ? [] : (text.split(',') as ValType[]));
      types.push(0x60);
      uleb(types, list(params).length);
      for (const t of list(params)) types.push(VALTYPE[t]);
      uleb(types, list(results).length);
      for (const t of list(results)) types.push(VALTYPE[t]);
    }
    section(1, types);

    const imports: number[] = [];
    uleb(imports, 1);
    name(imports, 'env');
    name(imports, 'memory');
    imports.push(0x02);
    const { initialPages, maximumPages, shared } = this.memory;
    if (maximumPages === undefined) {
      imports.push(0x00);
      uleb(imports, initialPages);
    } else {
      imports.push(shared ? 0x03 : 0x01);
      uleb(imports, initialPages);
      uleb(imports, maximumPages);
    }
    section(2, imports);

    const functions: number[] = [];
    uleb(functions, this.#functions.length);
    for (const t of typeOf) uleb(functions, t);
    section(3, functions);

    const exports: number[] = [];
    uleb(exports, this.#functions.length);
    this.#functions.forEach((fn, i) => {
      name(exports, fn.name);
      exports.push(0x00);
      uleb(exports, i);
    });
    section(7, exports);

    const code: number[] = [];
    uleb(code, this.#functions.length);
    for (const fn of this.#functions) {
      const body: number[] = [];
      // Locals, run-length encoded by type.
      const runs: [ValType, number][] = [];
      for (const t of fn.extraLocals) {
        const last = runs.at(-1);
        if (last && last[0] === t) last[1]++;
        else runs.push([t, 1]);
      }
      uleb(body, runs.length);
      for (const [t, count] of runs) {
        uleb(body, count);
        body.push(VALTYPE[t]);
      }
      for (const byte of fn.code) body.push(byte);
      body.push(0x0b);
      uleb(code, body.length);
      for (const byte of body) code.push(byte);
    }
    section(10, code);
    return new Uint8Array(out);
  }
}

/** Whether this engine validates a module using relaxed SIMD (Node 22+, Chrome 114+). */
export function supportsRelaxedSimd(): boolean {
  const m = new ModuleBuilder({ initialPages: 0 });
  const f = m.function('probe', ['v128'], ['v128']);
  f.local_get(f.params[0]!).local_get(f.params[0]!).local_get(f.params[0]!).f32x4_relaxed_madd();
  return WebAssembly.validate(m.encode());
}
