// Relative, not '@/': next.config.ts loads this file, and its loader turns '@/…' into a path
// relative to wherever the importing file is, which is right only for next.config.ts itself.
import { config } from '../core/config';

/*
 * How much may be sent, in one place: Next's limit for server actions (next.config.ts), the
 * server's own refusal in front of Next (server/guards.ts), the editor's check before sending
 * (components/admin/PostEditor.tsx) and the upload itself (lib/media/upload.ts) all read these.
 */

const MB = 1024 * 1024;

/** The largest image accepted, in bytes (MEDIA_MAX_MB). */
export const mediaMaxBytes = config.MEDIA_MAX_MB * MB;

/**
 * The largest body a server action of the admin pages accepts: an image at the limit plus the
 * editor's own text (a post body of 200,000 characters is at most 800 KB in UTF-8, the other
 * fields little). Next's limit is this one, for every action; past it Next would fail the action
 * with a 500, so the server refuses it first with a 413.
 */
export const actionBodyLimitBytes = mediaMaxBytes + MB;

/** The public pages' forms (comments) send text alone: the server refuses more than this from them. */
export const publicActionBodyLimitBytes = MB;

/** Room for a multipart body's own framing around the file, for the API's limit. */
export const MULTIPART_FRAMING_BYTES = 64 * 1024;
