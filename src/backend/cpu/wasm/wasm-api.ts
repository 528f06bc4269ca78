// The few WebAssembly JS-API types and constructors used here: the ES lib has no WebAssembly namespace (Node provides
// it at run time). They are this module's own, not a global declaration: one in wasm-kernels.ts shipped in
// dist/*.d.ts and clashed with the DOM lib's (TS2300 "Duplicate identifier 'Module'") in a user's project that
// type-checks its dependencies (skipLibCheck: false, the default lib).

/** A compiled module (opaque here: only handed to Instance and to worker threads). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmGlobal {
  value: unknown;
}

export interface WasmInstance {
  readonly exports: object;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly object, typed by the declarations above. */
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
