def log = new File(basedir, 'build.log').text
def builds = log.split(/(?m)^\[INFO\] Scanning for projects\.\.\.$/).findAll { it.contains('resnetc:') }
assert builds.size() == 4 : "expected four builds in build.log, found ${builds.size()}"

// 1: both networks are generated; the file of blocks generates nothing.
assert builds[0].contains('resnetc: 3 compiled, 0 up to date, 2 written, 0 deleted')

// 2: nothing changed but the timestamps: nothing compiled, nothing written, javac has nothing to do.
assert builds[1].contains('resnetc: 0 compiled, 3 up to date, 0 written, 0 deleted')
assert !builds[1].contains('resnetc: wrote')
assert builds[1].contains('Nothing to compile - all classes are up to date')

// 3: the imported block changed: the network importing it (and the block file) are compiled again.
assert builds[2].contains('resnetc: 2 compiled, 1 up to date, 1 written, 0 deleted')
assert builds[2].contains('resnetc: wrote target/generated-sources/resnetc/com/acme/NetA.java')

// 4: the deleted source's class and its emptied package folder are removed.
assert builds[3].contains('resnetc: 0 compiled, 2 up to date, 0 written, 1 deleted')
assert builds[3].contains('resnetc: deleted target/generated-sources/resnetc/com/acme/other/OtherNet.java')

def generated = new File(basedir, 'target/generated-sources/resnetc/com/acme')
assert new File(generated, 'NetA.java').text.contains('"a.fc2.weight"')
assert !new File(generated, 'other').exists()
return true
