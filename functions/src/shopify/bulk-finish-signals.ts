// Wakes a write-back waiting on a bulk operation when its bulk_operations/finish webhook lands (polling stays the fallback).
import { z } from 'zod';

export interface BulkFinishSignals {
  /** Resolves when the operation's finish webhook arrives, or after `ms` (false). */
  wait(opId: string, ms: number): Promise<boolean>;
  /** A landed bulk_operations/finish delivery's payload. */
  notify(payload: unknown): void;
}

const finishPayload = z.looseObject({ admin_graphql_api_id: z.string() });

export function createBulkFinishSignals(): BulkFinishSignals {
  const waiting = new Map<string, Set<() => void>>();
  /** Finishes that arrived before anyone waited (bounded). */
  const early = new Set<string>();
  return {
    wait(opId, ms) {
      if (early.delete(opId)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const set = waiting.get(opId) ?? new Set();
        waiting.set(opId, set);
        const done = (v: boolean) => {
          clearTimeout(timer);
          set.delete(wake);
          if (!set.size) waiting.delete(opId);
          resolve(v);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        set.add(wake);
      });
    },
    notify(payload) {
      const p = finishPayload.safeParse(payload);
      if (!p.success) return;
      const id = p.data.admin_graphql_api_id;
      const set = waiting.get(id);
      if (set?.size) for (const w of [...set]) w();
      else {
        early.add(id);
        if (early.size > 1000) early.delete(early.values().next().value!);
      }
    },
  };
}
