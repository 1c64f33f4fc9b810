// The small in-process memories (response bodies, search selectivity) share one eviction rule.

/**
 * Stores `value` under `key` as the newest entry and drops the oldest once the map holds more than
 * `max` (a Map iterates in insertion order, so its first key is the least recently stored).
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
