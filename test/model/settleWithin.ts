/** Waiting on a request in the worker suites: its outcome, or a failed test when it never settles. */

/** Thrown when a promise outlives its bound: the test fails, it is never taken for the request's own error. */
class NeverSettled extends Error {}

/** Resolves with the promise's value or its error; throws when it has not settled within `boundMs`. */
export async function settleWithin<T>(promise: Promise<T>, what: string, boundMs: number): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NeverSettled(`${what} never settled`)), boundMs);
  });
  try {
    return { value: await Promise.race([promise, hang]) };
  } catch (error) {
    if (error instanceof NeverSettled) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}
