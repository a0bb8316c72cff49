import { Paper, Text } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';

/** A section whose backend has not landed yet: its title and what will live there. */
export function PlaceholderPage({ title, description }: { title: string; description: string }) {
  return (
    <>
      <PageHeader title={title} />
      <Paper withBorder p="xl" radius="md">
        <Text c="dimmed">{description}</Text>
      </Paper>
    </>
  );
}
