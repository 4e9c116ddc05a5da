-- How many users SCIM can see and how many groups each workspace has, kept exact by triggers
-- in the transaction of every write, so that the totalResults of an unfiltered list is one
-- row read instead of a scan of every user. Concurrent writers of one workspace queue on its
-- row for the rest of their transaction; writers of different workspaces never meet.
CREATE TABLE workspace_counts (
    workspace_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES workspaces (id),
    visible_users BIGINT NOT NULL CHECK (visible_users >= 0),
    groups        BIGINT NOT NULL CHECK (groups >= 0)
);
INSERT INTO workspace_counts (workspace_id, visible_users, groups)
    SELECT w.id,
           (SELECT count(*) FROM users u WHERE u.workspace_id = w.id AND u.state <> 'deprovisioned'),
           (SELECT count(*) FROM groups g WHERE g.workspace_id = w.id)
    FROM workspaces w;

CREATE FUNCTION workspace_counts_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workspace_counts (workspace_id, visible_users, groups) VALUES (NEW.id, 0, 0)
        ON CONFLICT (workspace_id) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER workspace_counts_new AFTER INSERT ON workspaces
    FOR EACH ROW EXECUTE FUNCTION workspace_counts_new();

CREATE FUNCTION workspace_counts_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT := 0;
    ws TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'deprovisioned' THEN delta := 1; END IF;
        ws := NEW.workspace_id;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'deprovisioned' THEN delta := -1; END IF;
        ws := OLD.workspace_id;
    ELSE
        delta := (NEW.state <> 'deprovisioned')::int - (OLD.state <> 'deprovisioned')::int;
        ws := NEW.workspace_id;
    END IF;
    IF delta <> 0 THEN
        UPDATE workspace_counts SET visible_users = visible_users + delta WHERE workspace_id = ws;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER workspace_counts_users AFTER INSERT OR DELETE OR UPDATE OF state ON users
    FOR EACH ROW EXECUTE FUNCTION workspace_counts_users();

CREATE FUNCTION workspace_counts_groups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE workspace_counts SET groups = groups + 1 WHERE workspace_id = NEW.workspace_id;
    ELSE
        UPDATE workspace_counts SET groups = groups - 1 WHERE workspace_id = OLD.workspace_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER workspace_counts_groups AFTER INSERT OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION workspace_counts_groups();
