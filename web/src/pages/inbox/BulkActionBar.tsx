// Bulk changes to the ticked cases: assign to me, status, priority, add a tag.
import { Button, Group, Menu, Paper, Popover, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { BulkChanges, CasePriority, CaseStatus } from '../../api-types';
import { bulkUpdateCases } from '../../case-api';
import { PRIORITY_LABELS, STATUS_LABELS, optionsOf } from '../../cases/labels';
import { notifyError } from '../../notify';
import { queryKeys } from '../../query-keys';
import { useMe } from '../../session';

const BULK_STATUSES: readonly CaseStatus[] = ['open', 'pending', 'on_hold', 'solved'];

export function BulkActionBar({ caseIds, onDone }: { caseIds: string[]; onDone: (remaining: string[]) => void }) {
  const { user } = useMe();
  const queryClient = useQueryClient();
  const [tagOpen, setTagOpen] = useState(false);
  const [tag, setTag] = useState('');

  const bulk = useMutation({
    mutationFn: (changes: BulkChanges) => bulkUpdateCases(caseIds, changes),
    onSuccess: (result) => {
      const failed = result.results.filter((r) => !r.ok);
      const done = result.results.length - failed.length;
      if (failed.length === 0) {
        notifications.show({ color: 'teal', message: `Updated ${done} ${done === 1 ? 'case' : 'cases'}.` });
      } else {
        const first = failed[0]?.error;
        const reason = typeof first === 'string' ? first : (first?.message ?? 'unknown reason');
        notifications.show({
          color: 'orange',
          title: `Updated ${done}, ${failed.length} not changed`,
          message: `The cases that were not changed stay selected. First reason: ${reason}`,
        });
      }
      onDone(failed.map((r) => r.id));
      void queryClient.invalidateQueries({ queryKey: queryKeys.cases });
      void queryClient.invalidateQueries({ queryKey: queryKeys.views });
    },
    onError: (error) => notifyError(error, 'The bulk change did not work'),
  });

  const addTag = (event: FormEvent) => {
    event.preventDefault();
    const value = tag.trim();
    if (!value) return;
    bulk.mutate({ addTags: [value] }, { onSuccess: () => setTag('') });
    setTagOpen(false);
  };

  return (
    <Paper withBorder p="xs" bg="var(--mantine-primary-color-light)" role="toolbar" aria-label="Bulk actions">
      <Group gap="xs">
        <Text size="sm" fw={600} mr="sm" data-testid="bulk-count">
          {caseIds.length} selected
        </Text>
        <Button size="xs" loading={bulk.isPending} onClick={() => bulk.mutate({ assigneeId: user.id })}>
          Assign to me
        </Button>
        <Menu>
          <Menu.Target>
            <Button size="xs" variant="default" disabled={bulk.isPending}>
              Set status
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {optionsOf(STATUS_LABELS, BULK_STATUSES).map((option) => (
              <Menu.Item key={option.value} onClick={() => bulk.mutate({ status: option.value })}>
                {option.label}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Menu>
          <Menu.Target>
            <Button size="xs" variant="default" disabled={bulk.isPending}>
              Set priority
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {optionsOf<CasePriority>(PRIORITY_LABELS).map((option) => (
              <Menu.Item key={option.value} onClick={() => bulk.mutate({ priority: option.value })}>
                {option.label}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Popover opened={tagOpen} onChange={setTagOpen} trapFocus withArrow>
          <Popover.Target>
            <Button size="xs" variant="default" disabled={bulk.isPending} onClick={() => setTagOpen((open) => !open)}>
              Add tag
            </Button>
          </Popover.Target>
          <Popover.Dropdown>
            <form onSubmit={addTag}>
              <Group gap="xs" align="flex-end">
                <TextInput label="Tag" size="xs" value={tag} onChange={(event) => setTag(event.currentTarget.value)} maxLength={50} />
                <Button size="xs" type="submit" disabled={!tag.trim()}>
                  Add
                </Button>
              </Group>
            </form>
          </Popover.Dropdown>
        </Popover>
        <Button size="xs" variant="subtle" onClick={() => onDone([])}>
          Clear selection
        </Button>
      </Group>
    </Paper>
  );
}
