/** `vigie demo` (wired to the synthetic generator in src/synth once it lands). */
export async function runDemo(_o: { dir: string; posts: number; seed: number; db?: string }): Promise<void> {
  throw new Error('demo generator not wired yet');
}
