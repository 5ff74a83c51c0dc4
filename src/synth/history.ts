import type { Store } from '../store/types.ts';
export async function writeSynthHistory(_store: Store, _o: { seed: number; outDir: string }): Promise<{ files: string[] }> {
  return { files: [] };
}
