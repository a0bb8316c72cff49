// Choosing another case by its number ("#42" or "42", through the list's `number` filter) or by
// words from its subject, customer or conversation.
import { Group, Loader, Select, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { CaseListItem } from '../api-types';
import { listCases } from '../case-api';
import { queryKeys } from '../query-keys';
import { STATUS_LABELS, labelOf } from './labels';

const NUMBER = /^#?(\d{1,12})$/;

async function findCases(text: string): Promise<CaseListItem[]> {
  const number = NUMBER.exec(text)?.[1];
  const [byText, byNumber] = await Promise.all([
    listCases({ q: text, limit: '10' }),
    number ? listCases({ number, limit: '1' }) : Promise.resolve(null),
  ]);
  const exact = (byNumber?.items ?? []).filter((c) => String(c.number) === number);
  const seen = new Set(exact.map((c) => c.id));
  return [...exact, ...byText.items.filter((c) => !seen.has(c.id))];
}

type CasePickerProps = {
  label: string;
  /** Cases not to offer (this case, cases already linked). */
  exclude: string[];
  value: CaseListItem | null;
  onChange: (value: CaseListItem | null) => void;
  /** Whether a case may be chosen (closed cases cannot be merge targets, say). */
  allow?: (item: CaseListItem) => boolean;
};

export function CasePicker({ label, exclude, value, onChange, allow }: CasePickerProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const wanted = debounced.length > 0 && debounced !== optionLabel(value);
  const results = useQuery({
    queryKey: [...queryKeys.caseSearch({ q: debounced }), 'picker'],
    queryFn: () => findCases(debounced),
    enabled: wanted,
  });
  const items = (results.data ?? []).filter((c) => !exclude.includes(c.id));
  const options = [...(value && !items.some((c) => c.id === value.id) ? [value] : []), ...items];

  return (
    <Select
      label={label}
      placeholder="Case number or words from it"
      searchable
      clearable
      filter={({ options: all }) => all}
      searchValue={search}
      onSearchChange={setSearch}
      data={options.map((c) => ({ value: c.id, label: optionLabel(c), disabled: allow ? !allow(c) : false }))}
      value={value?.id ?? null}
      onChange={(id) => onChange(options.find((c) => c.id === id) ?? null)}
      nothingFoundMessage={wanted && !results.isFetching ? 'No case matches' : undefined}
      rightSection={results.isFetching ? <Loader size="xs" /> : undefined}
      renderOption={({ option }) => {
        const item = options.find((c) => c.id === option.value);
        return (
          <Group gap="xs" wrap="nowrap" data-testid="case-picker-option">
            <Text size="sm">{option.label}</Text>
            {item && (
              <Text size="xs" c="dimmed">
                {labelOf(STATUS_LABELS, item.status)}
              </Text>
            )}
          </Group>
        );
      }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

function optionLabel(item: CaseListItem | null): string {
  return item ? `#${item.number} ${item.subject}` : '';
}
