/** The three ways a sync writes (DESIGN §3): insert missing rows; also update changed ones; also delete target-only ones. */
export type SyncMode = 'insert' | 'upsert' | 'mirror';
export const syncModes: readonly SyncMode[] = ['insert', 'upsert', 'mirror'];
