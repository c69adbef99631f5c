/** Shared with the browser's forms: nothing server-only here. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
