/**
 * Calls to the emulator's admin routes (`/_emulator/...`: seed, reset, faults, rate limit, CodeArts
 * settings and the rest), shared by every test helper and the benchmark. `emulatorAdmin` fails the
 * test on any answer outside 2xx, naming the route, the status and the answer: a seed, fault rule or
 * setting the emulator refused must not leave a test passing (or failing) for some other reason.
 * `adminRequest` returns the answer as it came, for the tests of the admin routes' own refusals.
 */

export interface AdminAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: any;
  text: string;
}

/** One admin call (no API key: admin routes need none), whatever the answer. */
export async function adminRequest(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<AdminAnswer> {
  const r = await fetch(`${baseUrl}/_emulator${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text === "" ? undefined : text;
  try {
    if (text !== "") parsed = JSON.parse(text);
  } catch {
    /* keep the raw text */
  }
  return { status: r.status, headers: r.headers, body: parsed, text };
}

/** One admin call that must succeed: throws (failing the test) unless the answer is 2xx. */
export async function adminChecked(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<AdminAnswer> {
  const answer = await adminRequest(baseUrl, method, route, body);
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(
      `emulator admin ${method} /_emulator${route} answered ${answer.status}: ${answer.text.slice(0, 500)}`,
    );
  }
  return answer;
}

/** Same as `adminChecked`, returning only the parsed body. */
export async function emulatorAdmin(baseUrl: string, method: string, route: string, body?: unknown): Promise<any> {
  return (await adminChecked(baseUrl, method, route, body)).body;
}
