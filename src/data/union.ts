/**
 * Several dataset folders read as one: HAM10000 appears in the segmentation pool, the
 * classification pool and the HAM10000-with-masks extension at once, and one lesion must stay
 * on one side of a split across all of them. An id seen in several folders is one sample (the
 * first folder's copy, with a lesion mask from a later folder where the first has none: `cls/`
 * has no masks, `ham10000/` has one for every image); groups that share an image are merged
 * (union-find), so a lesion grouped differently by two folders still cannot straddle a split.
 */
interface Grouped {
  id: string;
  groupId: string;
  /** Classification samples: the lesion mask, which a later folder may have where the first has none. */
  maskPath?: string;
}

class GroupUnion {
  private readonly parent = new Map<string, string>();

  find(group: string): string {
    let root = group;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(group, root);
    return root;
  }

  /** Merge two groups; the smaller name represents both, so the result does not depend on order. */
  merge(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra === rb) return;
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

/** The union of `lists` by id (first copy kept), with every group merged across lists. */
export function unionById<S extends Grouped>(lists: readonly (readonly S[])[]): S[] {
  const groups = new GroupUnion();
  const first = new Map<string, S>();
  for (const list of lists) {
    for (const sample of list) {
      const kept = first.get(sample.id);
      if (kept) {
        groups.merge(kept.groupId, sample.groupId);
        if (kept.maskPath === undefined && sample.maskPath !== undefined) first.set(sample.id, { ...kept, maskPath: sample.maskPath });
      } else {
        first.set(sample.id, sample);
        groups.find(sample.groupId);
      }
    }
  }
  return [...first.values()].map((s) => ({ ...s, groupId: groups.find(s.groupId) }));
}
