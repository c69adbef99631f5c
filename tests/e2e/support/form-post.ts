/*
 * The comment form as a browser without JavaScript sends it: the page's own hidden fields (the
 * action's id, the render time) and the visible ones, as multipart, to the post's address. The
 * answer is the post page rendered with the form's new state.
 */

export interface FormAnswer {
  status: number;
  html: string;
  /** The text of the form's status line. */
  message: string;
  /** What the comment field holds in the answer. */
  bodyField: string;
  /** Error messages shown beside the fields. */
  fieldErrors: string[];
}

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The hidden fields of every form of a page, in the page's order. */
export function formsOf(page: string): Map<string, string>[] {
  return [...page.matchAll(/<form[\s\S]*?<\/form>/g)].map(([form]) => {
    const fields = new Map<string, string>();
    for (const match of form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)) {
      fields.set(decode(match[1]!), decode(match[2] ?? ''));
    }
    return fields;
  });
}

/** The hidden fields of the page's forms that call a server action (the header's search form does not). */
export function actionFormsOf(page: string): Map<string, string>[] {
  return formsOf(page).filter((fields) => [...fields.keys()].some((name) => name.startsWith('$ACTION_')));
}

/** The comment form's hidden fields: the first form of the page that calls a server action. */
export async function hiddenFields(base: string, slug: string): Promise<Map<string, string>> {
  const page = await (await fetch(`${base}/posts/${slug}`, { headers: { connection: 'close' } })).text();
  return actionFormsOf(page)[0] ?? new Map();
}

export function readAnswer(status: number, html: string): FormAnswer {
  // The comment form posts; the header's search form is a GET form before it.
  const form = html.match(/<form[^>]*method="POST"[\s\S]*?<\/form>/)?.[0] ?? '';
  const statusLine = form.match(/role="status"[^>]*>([\s\S]*?)<\/div>/)?.[1] ?? '';
  const textarea = form.match(/<textarea[^>]*>([\s\S]*?)<\/textarea>/)?.[1] ?? '';
  return {
    status,
    html,
    message: decode(statusLine.replace(/<[^>]+>/g, '')),
    bodyField: decode(textarea),
    fieldErrors: [...form.matchAll(/class="field-error"[^>]*>([\s\S]*?)<\/p>/g)].map((m) =>
      decode(m[1]!.replace(/<[^>]+>/g, '')),
    ),
  };
}

export interface FormPost {
  name?: string;
  email?: string;
  body: string;
  /** Hidden fields to send differently from what the page holds (e.g. an older render time). */
  override?: Record<string, string>;
  headers?: Record<string, string>;
}

export async function postThroughForm(
  base: string,
  slug: string,
  fields: Map<string, string>,
  post: FormPost,
): Promise<FormAnswer> {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, post.override?.[name] ?? value);
  data.append('name', post.name ?? 'Reader');
  data.append('email', post.email ?? 'reader@example.test');
  data.append('body', post.body);
  const response = await fetch(`${base}/posts/${slug}`, {
    method: 'POST',
    body: data,
    headers: { connection: 'close', ...post.headers },
    signal: AbortSignal.timeout(15_000),
  });
  return readAnswer(response.status, await response.text());
}
