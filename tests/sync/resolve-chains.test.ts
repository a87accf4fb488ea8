/** resolve runs its chains of kinds side by side: together they are every resolved kind once, each parent before its children. */
import { describe, expect, it } from 'vitest';
import { RESOLVED_KINDS, RESOLVE_CHAINS } from '../../src/sync/resolve.ts';

describe('RESOLVE_CHAINS', () => {
  it('hold every resolved kind once, in RESOLVED_KINDS order within a chain', () => {
    expect(RESOLVE_CHAINS.flat().sort()).toEqual([...RESOLVED_KINDS].sort());
    for (const chain of RESOLVE_CHAINS) expect(chain).toEqual(RESOLVED_KINDS.filter((k) => chain.includes(k)));
  });
  it('keep each kind with the parents it reads (organization, user -> ticket; profile -> activity)', () => {
    const chainOf = (kind: string): number => RESOLVE_CHAINS.findIndex((c) => (c as readonly string[]).includes(kind));
    expect(chainOf('zendesk.ticket')).toBe(chainOf('zendesk.organization'));
    expect(chainOf('zendesk.ticket')).toBe(chainOf('zendesk.user'));
    expect(chainOf('zendesk.user')).toBe(chainOf('zendesk.organization'));
    expect(chainOf('mixpanel.activity')).toBe(chainOf('mixpanel.profile'));
  });
});
