// hello-world's program: a tiny static i386 Linux ELF that writes a message and exits 0.
// Written out byte by byte so the image needs no compiler: an ELF header, one program header
// loading the whole file, then eight instructions and the message.

const LOAD_ADDRESS = 0x08048000;
const ELF_HEADER_SIZE = 52;
const PROGRAM_HEADER_SIZE = 32;

const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export function helloElf(message: string): Uint8Array {
  const msg = new TextEncoder().encode(message);
  const codeStart = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE;
  const codeLength = 31;
  const msgAddress = LOAD_ADDRESS + codeStart + codeLength;
  const code = [
    0xb8, ...u32(4), // mov eax, 4        (sys_write)
    0xbb, ...u32(1), // mov ebx, 1        (stdout)
    0xb9, ...u32(msgAddress), // mov ecx, msg
    0xba, ...u32(msg.length), // mov edx, len
    0xcd, 0x80, // int 0x80
    0xb8, ...u32(1), // mov eax, 1        (sys_exit)
    0x31, 0xdb, // xor ebx, ebx      (status 0)
    0xcd, 0x80, // int 0x80
  ];
  if (code.length !== codeLength) throw new Error("code length changed: update codeLength");
  const fileSize = codeStart + code.length + msg.length;
  const header = [
    0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, ...new Array(8).fill(0), // ELF, 32-bit, little endian, SysV
    ...u16(2), // ET_EXEC
    ...u16(3), // EM_386
    ...u32(1), // version
    ...u32(LOAD_ADDRESS + codeStart), // entry
    ...u32(ELF_HEADER_SIZE), // program headers offset
    ...u32(0), // section headers offset: none
    ...u32(0), // flags
    ...u16(ELF_HEADER_SIZE),
    ...u16(PROGRAM_HEADER_SIZE),
    ...u16(1), // one program header
    ...u16(0), ...u16(0), ...u16(0), // no section headers
  ];
  const programHeader = [
    ...u32(1), // PT_LOAD
    ...u32(0), // from file offset 0
    ...u32(LOAD_ADDRESS), ...u32(LOAD_ADDRESS),
    ...u32(fileSize), ...u32(fileSize),
    ...u32(5), // read + execute
    ...u32(0x1000),
  ];
  const out = new Uint8Array(fileSize);
  out.set([...header, ...programHeader, ...code], 0);
  out.set(msg, codeStart + code.length);
  return out;
}
