def log = new File(basedir, 'build.log').text
assert log.contains('resnetc: skipped (resnetc.skip)')
assert !new File(basedir, 'target/generated-sources/resnetc/Broken.java').exists()
return true
