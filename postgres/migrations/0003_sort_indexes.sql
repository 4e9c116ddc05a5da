-- Sorts on the names IdPs and admin tools show answered from an index. The core sorts users
-- without the attribute last (first when descending), which SQL writes as `(key IS NULL), key`;
-- these indexes hold exactly that order, one per direction, so that ties keep insertion order
-- either way.
CREATE INDEX users_sorted_by_display_name ON users
    (workspace_id, (display_name_key IS NULL), display_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_display_name_desc ON users
    (workspace_id, (display_name_key IS NULL), display_name_key, seq DESC) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_family_name ON users
    (workspace_id, (family_name_key IS NULL), family_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_family_name_desc ON users
    (workspace_id, (family_name_key IS NULL), family_name_key, seq DESC) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_given_name ON users
    (workspace_id, (given_name_key IS NULL), given_name_key, seq) WHERE state <> 'deprovisioned';
CREATE INDEX users_sorted_by_given_name_desc ON users
    (workspace_id, (given_name_key IS NULL), given_name_key, seq DESC) WHERE state <> 'deprovisioned';
