-- Who holds a lease, precisely enough to tell that it is gone (docs/decisions/0023-lease-takeover.md):
-- the node id, and the process behind it (pid, host, pid namespace) so that a run on the same machine
-- can see a killed holder's process no longer exists; when the lease was last renewed; and when a
-- node of the cluster saw the holder's node leave (`$node.disconnected`), which frees the lease
-- before its expiry. A renewal clears that mark: a holder that renews is not gone.
ALTER TABLE leases ADD COLUMN holder_pid integer;
ALTER TABLE leases ADD COLUMN holder_host text;
ALTER TABLE leases ADD COLUMN holder_pid_namespace text;
ALTER TABLE leases ADD COLUMN renewed_at timestamptz;
ALTER TABLE leases ADD COLUMN holder_gone_at timestamptz;
ALTER TABLE leases ADD COLUMN holder_gone_reason text;
UPDATE leases SET renewed_at = acquired_at;
ALTER TABLE leases ALTER COLUMN renewed_at SET DEFAULT now();
ALTER TABLE leases ALTER COLUMN renewed_at SET NOT NULL;
CREATE INDEX leases_holder ON leases (holder);
