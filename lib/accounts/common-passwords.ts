import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The most common passwords, lowercased: zxcvbn's list, gathered from leaked password dumps and
 * ranked by how often each was used, kept up by its maintainers rather than copied into this tree.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((password) => password.toLowerCase()),
);
