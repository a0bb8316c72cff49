import { Center, Container } from '@mantine/core';
import { Navigate, Outlet, useLocation } from 'react-router';
import { useSession } from '../session';
import { FullPageLoader } from './FullPageLoader';
import { QueryError } from './QueryError';

/** Renders the signed-in routes, or sends the visitor to /login remembering where they were going. */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();

  if (session.isPending) return <FullPageLoader />;
  if (session.isError) {
    return (
      <Center h="100vh">
        <Container size="xs">
          <QueryError error={session.error} onRetry={() => void session.refetch()} />
        </Container>
      </Center>
    );
  }
  if (!session.data) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return <Outlet />;
}
