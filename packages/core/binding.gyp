{
  "targets": [
    {
      "target_name": "spool_native",
      "sources": ["native/spool_native.c", "native/crc32.c", "native/envelope.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
