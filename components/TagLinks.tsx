import Link from 'next/link';

/** `marked`: tags a search matched, shown highlighted. */
export function TagLinks({ names, marked = [] }: { names: readonly string[]; marked?: readonly string[] }) {
  if (names.length === 0) return null;
  return (
    <ul className="tags" aria-label="Tags">
      {names.map((name) => (
        <li key={name}>
          <Link href={`/tags/${encodeURIComponent(name)}`}>
            {marked.includes(name) ? <mark>{`#${name}`}</mark> : <>#{name}</>}
          </Link>
        </li>
      ))}
    </ul>
  );
}
