"""Redis's RDB serialization, as far as this server needs it: DUMP / RESTORE / MIGRATE payloads
of string values (`payload`), with Redis's LZF compression (`lzf`) and CRC64 (`crc64`)."""
