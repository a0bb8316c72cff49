-- The five built-in shared views every installation starts with. "Open" means not yet solved:
-- new, open, pending (waiting on the customer) and on hold. Filters use the case-list filter
-- language (src/modules/cases/case-list.ts); "me" is whoever looks at the view.
-- "Recently solved" includes closed cases, since solved cases close on their own after a few days.
-- Built-in views can be renamed, re-filtered or moved by those who configure cases, never deleted.

insert into views (name, owner_id, filters, sort, position, built_in) values
  ('My open cases', null, '{"assigneeId": "me", "status": ["new", "open", "pending", "on_hold"]}', 'updated_desc', 10, 'my_open'),
  ('Unassigned', null, '{"assigneeId": "none", "status": ["new", "open", "pending", "on_hold"]}', 'created_asc', 20, 'unassigned'),
  ('All open', null, '{"status": ["new", "open", "pending", "on_hold"]}', 'updated_desc', 30, 'all_open'),
  ('Pending', null, '{"status": ["pending"]}', 'updated_desc', 40, 'pending'),
  ('Recently solved', null, '{"status": ["solved", "closed"], "updatedWithinDays": 7}', 'updated_desc', 50, 'recently_solved')
on conflict (built_in) do nothing;
