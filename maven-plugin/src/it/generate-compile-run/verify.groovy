def generated = new File(basedir, 'target/generated-sources/resnetc')
assert new File(generated, 'com/acme/nets/TinyNet.java').isFile()
// The file of blocks is checked but generates nothing.
def all = []
generated.eachFileRecurse { if (it.isFile()) all << it.name }
assert all == ['TinyNet.java']
assert new File(basedir, 'target/generated-test-sources/resnetc/com/acme/testnets/TestMlp.java').isFile()
assert new File(basedir, 'target/classes/com/acme/nets/TinyNet.class').isFile()

def report = new File(basedir, 'target/surefire-reports/TEST-com.acme.GeneratedNetworksTest.xml').text
assert report.contains('tests="2"')
assert report.contains('failures="0"') && report.contains('errors="0"')

def log = new File(basedir, 'build.log').text
assert log.contains('resnetc: 2 compiled, 0 up to date, 1 written, 0 deleted')
assert log.contains('resnetc: wrote target/generated-sources/resnetc/com/acme/nets/TinyNet.java')
// The W_s the compiler inserts is reported where the block is used.
assert log.contains('[INFO] src/main/resnet/com/acme/nets/tiny.resnet:8:3: note: inserted W_s')
return true
