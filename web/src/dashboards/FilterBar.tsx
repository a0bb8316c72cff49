// The filter bar over every dashboard: period, team, channel, category and "compare with the
// previous period", all kept in the URL (see filters.ts).
import { Group, SegmentedControl, Select, Switch, Text, TextInput } from '@mantine/core';
import type { Channel } from '../api-types';
import { CHANNELS } from '../api-types';
import { CHANNEL_LABELS } from '../cases/labels';
import { useCategories, useTeams } from '../cases/lookups';
import { useCan } from '../session';
import { formatDateTime } from '../format';
import { PERIOD_PRESETS, type Period, type PeriodPreset, useDashboardFilters, useDashboardPeriod } from './filters';

/** Where the previous period ends, said the way the current one is: as long as the current one has run. */
function previousEnd(period: Period, previous: Period, now: number): string {
  const shift = Date.parse(period.to) - Date.parse(previous.to);
  return new Date(Math.min(Date.parse(previous.to), now - shift)).toISOString();
}

export function FilterBar({ todayOnly }: { todayOnly: boolean }) {
  const can = useCan();
  const [filters, setFilters] = useDashboardFilters();
  const { period, previous, now } = useDashboardPeriod({ today: todayOnly });
  const teams = useTeams();
  const categories = useCategories();

  return (
    <div data-testid="dashboard-filters">
      <Group align="flex-end" gap="sm" wrap="wrap">
        {todayOnly ? (
          <div>
            <Text size="sm" fw={500} mb={4}>
              Period
            </Text>
            <Text size="sm" py={6}>
              Today so far
            </Text>
          </div>
        ) : (
          <div>
            <Text size="sm" fw={500} mb={4} id="dashboard-period-label">
              Period
            </Text>
            <SegmentedControl
              aria-labelledby="dashboard-period-label"
              data={PERIOD_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
              value={filters.preset}
              onChange={(value) => setFilters({ preset: value as PeriodPreset })}
            />
          </div>
        )}
        {!todayOnly && filters.preset === 'custom' && (
          <>
            <TextInput
              type="date"
              label="From"
              value={filters.fromDay}
              max={filters.toDay}
              onChange={(e) => setFilters({ fromDay: e.currentTarget.value })}
              w={160}
            />
            <TextInput
              type="date"
              label="To"
              value={filters.toDay}
              min={filters.fromDay}
              onChange={(e) => setFilters({ toDay: e.currentTarget.value })}
              error={period === null ? 'Pick days up to today, the last after the first' : undefined}
              w={160}
            />
          </>
        )}
        <Select
          label="Team"
          placeholder="Every team"
          clearable
          searchable
          w={190}
          disabled={!can('teams.read')}
          data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={filters.teamId}
          onChange={(value) => setFilters({ teamId: value })}
        />
        <Select
          label="Channel"
          placeholder="Every channel"
          clearable
          w={160}
          data={CHANNELS.map((c: Channel) => ({ value: c, label: CHANNEL_LABELS[c] }))}
          value={filters.channel}
          onChange={(value) => setFilters({ channel: value })}
        />
        <Select
          label="Category"
          placeholder="Every category"
          clearable
          searchable
          w={220}
          data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.path }))}
          value={filters.categoryId}
          onChange={(value) => setFilters({ categoryId: value })}
        />
        <Switch
          label="Compare with previous period"
          checked={filters.compare}
          onChange={(e) => setFilters({ compare: e.currentTarget.checked })}
          mb={8}
          data-testid="compare-switch"
        />
      </Group>
      {period && (
        <Text size="xs" c="dimmed" mt={6} data-testid="dashboard-period">
          {formatDateTime(period.from)} – {Date.parse(period.to) > now ? 'now' : formatDateTime(period.to)}
          {previous && `, compared with ${formatDateTime(previous.from)} – ${formatDateTime(previousEnd(period, previous, now))}`}
        </Text>
      )}
    </div>
  );
}
