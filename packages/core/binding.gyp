{
  "targets": [
    {
      "target_name": "spool_native",
      "sources": ["native/spool_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
