#!/usr/bin/python3
"""Lists the FMA loops of C2-compiled methods and the vector stack accesses (spills) inside them.

A probe for docs/PERFORMANCE.md, not part of the product. It reads the output of a JVM run with
    -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet
    -XX:CompileCommand=print,dev.resnetc.runtime.VectorKernels::*
which, without a disassembler plugin (hsdis), prints each compiled method's machine code as hex;
the probe disassembles the C2 (tier 4, not on-stack-replacement) methods with binutils' objdump
and, for every backward jump whose loop holds an FMA, prints the loop's size, its FMAs and its
loads and stores of xmm/ymm registers relative to rsp. A micro-kernel's inner loop should have
none: one spilled accumulator puts a store and a reload on its dependency chain every iteration.
(Loops whose span is most of the method are jumps to the method's entry, not inner loops.)

Usage:
    JAVA_TOOL_OPTIONS="-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \\
      -XX:CompileCommand=print,dev.resnetc.runtime.VectorKernels::*" \\
      ./resnetc bench samples/resnet50.resnet --random-weights --threads 1 > /tmp/asm.txt 2>&1
    /usr/bin/python3 tools/probes/spills.py /tmp/asm.txt
"""
import re
import subprocess
import sys
import tempfile

HEX = re.compile(r'\s*0x[0-9a-f]+: ((?:[0-9a-f]{2,8}\s?\|?\s?)+)$')
INSTRUCTION = re.compile(r'\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)$')
JUMP = re.compile(r'j\w+\s+0x([0-9a-f]+)')


def disassemble(code):
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(code)
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-Mintel', f.name],
                             capture_output=True, text=True, check=True).stdout
    return [(int(m.group(1), 16), m.group(2).strip())
            for m in map(INSTRUCTION.match, out.splitlines()) if m]


def main(path):
    text = open(path).read()
    for method in re.split(r'(?=Compiled method \(c2\))', text)[1:]:
        head = method.splitlines()[0]
        if ' % ' in head or '[MachCode]' not in method:
            continue
        name = head.split()[-3]
        code = bytearray()
        for line in method[method.index('[MachCode]'):method.index('[/MachCode]')].splitlines():
            m = HEX.match(line)
            if m:
                code += bytes.fromhex(re.sub(r'[^0-9a-f]', '', m.group(1)))
        instructions = disassemble(bytes(code))
        for at, text_ in instructions:
            jump = JUMP.match(text_)
            if not jump or int(jump.group(1), 16) >= at:
                continue
            start = int(jump.group(1), 16)
            loop = [i for i in instructions if start <= i[0] <= at]
            fmas = sum('vfmadd' in i[1] for i in loop)
            if fmas:
                spills = [i[1] for i in loop if re.search(r'[xy]mm', i[1]) and 'rsp' in i[1]]
                print(f'{name}: loop {start:x}-{at:x}, {len(loop)} instructions, {fmas} FMAs, '
                      f'{len(spills)} vector stack accesses', ' | '.join(spills[:4]))


if __name__ == '__main__':
    main(sys.argv[1])
