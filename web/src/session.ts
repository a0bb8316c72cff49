// The signed-in session as the UI sees it: who, with which role, allowed to do what.
import { useQuery } from '@tanstack/react-query';
import { fetchMe } from './api';
import type { Me } from './api-types';
import { queryKeys } from './query-keys';

export function useSession() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: fetchMe,
    staleTime: 60_000,
  });
}

/** The current session; only for components rendered inside RequireSession. */
export function useMe(): Me {
  const { data } = useSession();
  if (!data) throw new Error('useMe() used outside a signed-in route');
  return data;
}

/** Whether the signed-in user holds a permission. Hides controls only: the server enforces. */
export function useCan(): (permission: string) => boolean {
  const { data } = useSession();
  const permissions = data?.permissions ?? [];
  return (permission) => permissions.includes(permission);
}
