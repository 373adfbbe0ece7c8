def log = new File(basedir, 'build.log').text
assert log.contains("[ERROR] src/main/resnet/broken.resnet:2:10: error: unknown layer or block 'convv' [E200]")
assert log.contains("[ERROR]   hint: did you mean 'conv'?")
// Each error is shown once, in that form (not again by the build context).
assert log.readLines().count { it.contains("unknown layer or block 'convv'") } == 1
// The error inside the imported file of blocks points into that file, once.
def badBlock = log.readLines().findAll { it.startsWith('[ERROR] src/main/resnet/blocks/bad.resnet:3:') }
assert badBlock.size() == 1 : badBlock
assert log.contains('resnetc: 2 errors in .resnet sources (see above)')
assert log.contains('BUILD FAILURE')
// The build stops before javac.
assert !log.contains('--- maven-compiler-plugin')
assert !new File(basedir, 'target/generated-sources/resnetc/Broken.java').exists()
return true
