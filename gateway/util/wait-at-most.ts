/**
 * Waits until the `wake` function handed to `start` is called, or `ms` have passed, whichever
 * comes first: a bounded wait for something to drain (requests in flight, when closing).
 */
export async function waitAtMost(ms: number, start: (wake: () => void) => void): Promise<void> {
  let bound: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    start(resolve);
    bound = setTimeout(resolve, ms);
  });
  clearTimeout(bound);
}
