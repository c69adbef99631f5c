import 'server-only';
import { headers } from 'next/headers';
import { CLIENT_HEADER } from './client-address';
import { describeWait, type Admission } from './flood-control';

/*
 * The checks every public form's server action makes before it acts, in the order it makes them:
 * the call really carries a form; the honeypot is empty; the fields are valid; the form was on
 * screen long enough for a person to fill it; the client is within its rate limit (counted only
 * for a form that would be acted on, so correcting a refused form costs nothing). A server action
 * is a public endpoint: a forged call can send anything in place of the form.
 */

export interface PublicFormSpec<Values, Input, State, Bound extends unknown[]> {
  /** What was typed, read leniently: every refusal hands it back so nothing is lost. */
  read(form: FormData): Values;
  /** The answer to a call that carried no form. */
  notAForm: State;
  /** A field hidden from people; a bot that fills it is answered `decoy`, and nothing is done. */
  honeypot: { field: string; decoy: (values: Values) => State };
  /** The action's own validation: the input to act on, or the answer that refuses it. */
  validate(values: Values, ...bound: Bound): { input: Input } | { refused: State };
  /** The form must have been on screen this long (0: no check). */
  minFillSeconds: number;
  /** Where the form says how long it was shown: measured by the browser, else since the page's render. */
  fillFields: { elapsed: string; rendered: string };
  /** Counts one attempt by a client. */
  admit(client: string): Promise<Admission>;
  /** A refusal in words, with what was typed kept. */
  refuse(values: Values, message: string): State;
  /** The form's own words for a send too quick to be a person's, and for a client over its limit. */
  messages: { tooQuick: string; tooMany: (wait: string) => string };
}

/** Milliseconds the form was on screen: the browser's own measure, else since the page's render; null if neither came. */
function timeOnForm(form: FormData, fields: { elapsed: string; rendered: string }): number | null {
  const number = (key: string) => {
    const value = form.get(key);
    return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null;
  };
  const elapsed = number(fields.elapsed);
  if (elapsed !== null) return elapsed;
  const rendered = number(fields.rendered);
  return rendered === null ? null : Date.now() - rendered;
}

/** A public form's action (`useActionState` shape, with `bound` arguments first), guarded by `spec`. */
export function publicAction<Values, Input, State, Bound extends unknown[]>(
  spec: PublicFormSpec<Values, Input, State, Bound>,
  act: (input: Input, values: Values, ...bound: Bound) => Promise<State>,
): (...args: [...Bound, State, FormData]) => Promise<State> {
  return async (...args) => {
    const form = args.at(-1);
    const bound = args.slice(0, -2) as Bound;
    if (!(form instanceof FormData)) return spec.notAForm;
    const values = spec.read(form);

    const honeypot = form.get(spec.honeypot.field);
    if (typeof honeypot === 'string' && honeypot.trim() !== '') return spec.honeypot.decoy(values);

    const checked = spec.validate(values, ...bound);
    if ('refused' in checked) return checked.refused;

    const onForm = timeOnForm(form, spec.fillFields);
    if (spec.minFillSeconds > 0 && (onForm === null || onForm < spec.minFillSeconds * 1000)) {
      return spec.refuse(values, spec.messages.tooQuick);
    }

    const admission = await spec.admit((await headers()).get(CLIENT_HEADER) ?? 'unknown');
    if (!admission.admitted) {
      return spec.refuse(values, spec.messages.tooMany(describeWait(admission.retryAfterSeconds)));
    }
    return act(checked.input, values, ...bound);
  };
}
