-- A VM's open grants (every request and enable reads them); H2 has no partial indexes.
CREATE INDEX IF NOT EXISTS ${prefix}grants_vm_open ON ${prefix}grants (vm_key, status, start_time, seq);
