/**
 * Whether a parsed JSON value nests arrays/objects more than `max` levels deep (`{}` and `[]` are one level,
 * `{"a":[1]}` two). Iterative, with an early exit: a 50,000-level body is answered without recursion, and work
 * stops at the first branch that goes too deep.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ value: object; depth: number }> = [];
  if (isContainer(value)) pending.push({ value, depth: 1 });
  while (pending.length > 0) {
    const { value: container, depth } = pending.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) {
      if (isContainer(child)) pending.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
