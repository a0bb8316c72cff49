import { Kbd, TextInput } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { isTypingTarget } from '../keyboard';

/** The case search box in the header; `/` anywhere focuses it, Enter opens the search page. */
export function HeaderSearch() {
  const navigate = useNavigate();
  const location = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');

  // On the search page the box shows what is being searched for.
  useEffect(() => {
    if (location.pathname === '/search') setValue(new URLSearchParams(location.search).get('q') ?? '');
  }, [location.pathname, location.search]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = value.trim();
    void navigate(q ? `/search?q=${encodeURIComponent(q)}` : '/search');
    input.current?.blur();
  };

  return (
    <form onSubmit={submit} role="search" style={{ flex: 1, maxWidth: 420 }}>
      <TextInput
        ref={input}
        type="search"
        name="q"
        aria-label="Search cases"
        placeholder="Search cases"
        value={value}
        onChange={(event) => setValue(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') event.currentTarget.blur();
        }}
        rightSection={<Kbd size="xs">/</Kbd>}
        rightSectionPointerEvents="none"
        size="sm"
      />
    </form>
  );
}
