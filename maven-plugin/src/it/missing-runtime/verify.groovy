def log = new File(basedir, 'build.log').text
assert log.contains('resnetc: missing-runtime does not depend on dev.resnetc:resnetc-runtime, which the generated classes need.')
assert log.contains('<artifactId>resnetc-runtime</artifactId>')
return true
