/**
 * Redis Cluster runs a script, a transaction or a multi-key command only over keys of one hash
 * slot, and keys whose names share a hash tag (the text between the first `{` and the `}` after it)
 * share a slot. So every group of keys that is used together is named under one hash tag: the
 * page cache (its entries, tag times, epoch, clock, locks and renders ahead, which its scripts
 * touch together), the statistics, and each rate limit. On a cluster each group lives on one shard:
 * the page cache does not spread over several, and a cluster adds room only between the groups.
 */
export const slotPrefix = (prefix: string) => `{${prefix}}`;
