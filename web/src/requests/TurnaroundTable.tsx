// The back-office turnaround table (GET /api/reports/departments/turnaround): per department and,
// expanded, per member — requests, completed, first response and completion times, the share
// within the internal target (OLA), open and overdue now. Shown on Requests → Coordination and
// on Dashboards → Back office.
import { ActionIcon, Anchor, Group, Table, Text } from '@mantine/core';
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import type { DepartmentTurnaround, TurnaroundFigures } from '../department-api';
import { formatMinutes } from '../sla/sla-format';

const minutes = (value: number | null) => (value === null ? '—' : formatMinutes(value));
const percent = (value: number | null) => (value === null ? '—' : `${value}%`);

function FigureCells({ figures }: { figures: TurnaroundFigures }) {
  return (
    <>
      <Table.Td ta="right">{figures.requests}</Table.Td>
      <Table.Td ta="right">{figures.completed}</Table.Td>
      <Table.Td ta="right">
        {minutes(figures.firstResponseMinutes.median)} / {minutes(figures.firstResponseMinutes.p90)}
      </Table.Td>
      <Table.Td ta="right">
        {minutes(figures.completionMinutes.median)} / {minutes(figures.completionMinutes.p90)}
      </Table.Td>
      <Table.Td ta="right" c={figures.withinOlaPercent !== null && figures.withinOlaPercent < 80 ? 'red' : undefined}>
        {percent(figures.withinOlaPercent)}
      </Table.Td>
      <Table.Td ta="right">{figures.openNow}</Table.Td>
      <Table.Td ta="right" c={figures.overdueNow > 0 ? 'red' : undefined} fw={figures.overdueNow > 0 ? 600 : undefined}>
        {figures.overdueNow}
      </Table.Td>
    </>
  );
}

type TurnaroundTableProps = {
  departments: DepartmentTurnaround[];
  /** Where a department's name leads (its request queue, say); plain text without it. */
  departmentLink?: (departmentId: string) => string;
};

export function TurnaroundTable({ departments, departmentLink }: TurnaroundTableProps) {
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Table.ScrollContainer minWidth={960}>
      <Table verticalSpacing="sm" data-testid="turnaround-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Department</Table.Th>
            <Table.Th ta="right">Requests</Table.Th>
            <Table.Th ta="right">Completed</Table.Th>
            <Table.Th ta="right">First response (median / p90)</Table.Th>
            <Table.Th ta="right">Completion (median / p90)</Table.Th>
            <Table.Th ta="right">Within target</Table.Th>
            <Table.Th ta="right">Open now</Table.Th>
            <Table.Th ta="right">Overdue now</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {departments.map((d) => {
            const open = expanded.has(d.departmentId);
            return (
              <Fragment key={d.departmentId}>
                <Table.Tr data-testid="turnaround-row">
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        size="sm"
                        onClick={() => toggle(d.departmentId)}
                        aria-expanded={open}
                        aria-label={`${open ? 'Hide' : 'Show'} members of ${d.departmentName}`}
                        disabled={d.members.length === 0}
                      >
                        {open ? '▾' : '▸'}
                      </ActionIcon>
                      {departmentLink ? (
                        <Anchor component={Link} to={departmentLink(d.departmentId)} size="sm" fw={600}>
                          {d.departmentName}
                        </Anchor>
                      ) : (
                        <Text size="sm" fw={600}>
                          {d.departmentName}
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <FigureCells figures={d} />
                </Table.Tr>
                {open &&
                  d.members.map((m) => (
                    <Table.Tr
                      key={`${d.departmentId}-${m.userId}`}
                      data-testid="turnaround-member-row"
                      bg="var(--mantine-color-default-hover)"
                    >
                      <Table.Td pl={40}>
                        <Text size="sm">{m.name}</Text>
                      </Table.Td>
                      <FigureCells figures={m} />
                    </Table.Tr>
                  ))}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
