// Allocator settings for @napi-rs/canvas, applied before its native module loads: import this module
// first in every module that imports the canvas. The canvas's allocator (mimalloc) backs its memory with
// transparent huge pages by default, so each chart's pixel buffers, freed and handed back to the system
// within milliseconds, come back as fresh 2 MB pages the kernel must zero: perf put that zeroing at a
// sixth to a fifth of a chart's render and encode on a 2-core VM; with 4 KB pages (the system default
// for everything else) only the pages touched are zeroed, and the drawing is the same, pixel for pixel.
// mimalloc reads its options from the environment once, when the native module loads, so this only
// helps if it runs first; an operator's own MIMALLOC_ALLOW_THP wins. A worker thread's process.env
// is its own copy, so the main thread must run this too (pool.ts imports it).

if (process.env.MIMALLOC_ALLOW_THP === undefined) process.env.MIMALLOC_ALLOW_THP = '0';

export {};
