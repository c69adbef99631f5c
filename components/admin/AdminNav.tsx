import Link from 'next/link';
import { LogoutButton } from './LogoutButton';

/**
 * The admin's sections. A new admin page adds its entry here; `count` shows beside the label
 * (the pending comments).
 */
export interface AdminSection {
  label: string;
  href?: string;
  count?: number;
}

export function AdminNav({ sections }: { sections: readonly AdminSection[] }) {
  return (
    <nav aria-label="Admin" className="admin-nav">
      <ul>
        {sections.map((section) => {
          const label = (
            <>
              {section.label}
              {section.count !== undefined && (
                <>
                  {' '}
                  <span className="admin-count">{section.count}</span>
                </>
              )}
            </>
          );
          return <li key={section.label}>{section.href ? <Link href={section.href}>{label}</Link> : label}</li>;
        })}
      </ul>
      <LogoutButton />
    </nav>
  );
}
