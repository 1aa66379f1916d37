/**
 * Known x86 mnemonics in Intel spelling, and the AT&T-to-Intel mnemonic normalization.
 *
 * The table serves two purposes. First, it decides whether an instruction is understood at all:
 * a word that is not a known mnemonic (a macro invocation such as `SAVE_ALL`, a typo) becomes an
 * `unknown: true` instruction so the analysis stays conservative. Second, it makes AT&T suffix
 * stripping safe: `shl`, `setl`, `cmovl`, `bswap`, `cmpxchg8b` and `pushfq` end in a suffix letter
 * but are whole Intel words, so a suffix is stripped only when the full word is unknown and what
 * remains is known (`shll` -> `shl`, `nopw` -> `nop`).
 */

/** General-purpose, system and x87 mnemonics, one space-separated string to keep the file short. */
const GENERAL =
  'aaa aad aam aas adc adcx add adox and andn arpl bextr blsi blsmsk blsr bndcl bndcn bndcu bndldx bndmk bndmov bndstx bound bsf bsr bswap bt btc btr bts bzhi ' +
  'call cbw cdq cdqe clac clc cld clflush clflushopt clgi cli clrssbsy clts clui clwb cmc cmova cmovae cmovb cmovbe cmovc cmove cmovg cmovge cmovl cmovle cmovna cmovnae ' +
  'cmovnb cmovnbe cmovnc cmovne cmovng cmovnge cmovnl cmovnle cmovno cmovnp cmovns cmovnz cmovo cmovp cmovpe cmovpo cmovs cmovz cmp cmpsb cmpsd cmpsq cmpsw cmpxchg ' +
  'cmpxchg16b cmpxchg8b cpuid cqo crc32 cwd cwde daa das dec div emms endbr32 endbr64 enter enqcmd enqcmds hlt hreset idiv imul in inc incsspd incsspq insb insd insw int int1 int3 ' +
  'into invd invept invlpg invlpga invpcid invvpid iret iretd iretq ja jae jb jbe jc jcxz je jecxz jg jge jl jle jmp jna jnae jnb jnbe jnc jne jng jnge jnl jnle jno jnp jns ' +
  'jnz jo jp jpe jpo jrcxz js jz kmovb kmovd kmovq kmovw lahf lar lds lea leave les lfence lfs lgdt lgs lidt ljmp lcall lldt lmsw lodsb lodsd lodsq lodsw loop loope ' +
  'loopne loopnz loopz lret lsl lss ltr lzcnt mfence monitor monitorx movabs mov movbe movsb movsd movsq movsw movsx movsxd movzx mul mulx mwait mwaitx neg nop not or out ' +
  'outsb outsd outsw pause pdep pext pop popa popad popcnt popf popfd popfq prefetch prefetchnta prefetcht0 prefetcht1 prefetcht2 prefetchw prefetchwt1 ptwrite push pusha ' +
  'pushad pushf pushfd pushfq rcl rcr rdfsbase rdgsbase rdmsr rdpid rdpkru rdpmc rdrand rdseed rdsspd rdsspq rdtsc rdtscp ret retf rol ror rorx rsm rstorssp sahf sal sar ' +
  'sarx saveprevssp sbb scasb scasd scasq scasw senduipi serialize seta setae setb setbe setc sete setg setge setl setle setna setnae setnb setnbe setnc setne setng setnge ' +
  'setnl setnle setno setnp setns setnz seto setp setpe setpo sets setssbsy setz sfence sgdt shl shld shlx shr shrd shrx sidt skinit sldt smsw stac stc std stgi sti stosb ' +
  'stosd stosq stosw str stui sub swapgs syscall sysenter sysexit sysexitq sysret sysretq test testui tpause tzcnt ud0 ud1 ud2 umonitor umwait uiret vmcall vmclear vmfunc ' +
  'vmlaunch vmload vmmcall vmptrld vmptrst vmread vmresume vmrun vmsave vmwrite vmxoff vmxon wait wbinvd wbnoinvd wrfsbase wrgsbase wrmsr wrpkru wrssd wrssq wrussd wrussq ' +
  'xabort xacquire xadd xbegin xchg xend xgetbv xlat xlatb xor xrstor xrstor64 xrstors xrstors64 xsave xsave64 xsavec xsavec64 xsaveopt xsaveopt64 xsaves xsaves64 ' +
  'xsetbv xtest fxrstor fxrstor64 fxsave fxsave64 encls enclu enclv getsec invlpgb tlbsync pconfig rmpadjust rmpupdate pvalidate psmash vmgexit ' +
  'f2xm1 fabs fadd faddp fbld fbstp fchs fclex fcmovb fcmovbe fcmove fcmovnb fcmovnbe fcmovne fcmovnu fcmovu fcom fcomi fcomip fcomp fcompp fcos fdecstp fdiv fdivp fdivr ' +
  'fdivrp ffree fiadd ficom ficomp fidiv fidivr fild fimul fincstp finit fist fistp fisttp fisub fisubr fld fld1 fldcw fldenv fldl2e fldl2t fldlg2 fldln2 fldpi fldz fmul ' +
  'fmulp fnclex fninit fnop fnsave fnstcw fnstenv fnstsw fpatan fprem fprem1 fptan frndint frstor fsave fscale fsin fsincos fsqrt fst fstcw fstenv fstp fstsw fsub fsubp ' +
  'fsubr fsubrp ftst fucom fucomi fucomip fucomp fucompp fwait fxam fxch fxtract fyl2x fyl2xp1';

/**
 * SSE, AVX and friends. AVX spellings (`vaddps`) are accepted by prefixing `v` to these, so only
 * the legacy names are listed, plus the AVX-only ones.
 */
const VECTOR =
  'addpd addps addsd addss addsubpd addsubps aesdec aesdeclast aesenc aesenclast aesimc aeskeygenassist andnpd andnps andpd andps blendpd blendps blendvpd blendvps ' +
  'cmppd cmpps cmpsd cmpss comisd comiss cvtdq2pd cvtdq2ps cvtpd2dq cvtpd2pi cvtpd2ps cvtpi2pd cvtpi2ps cvtps2dq cvtps2pd cvtps2pi cvtsd2si cvtsd2ss cvtsi2sd cvtsi2ss ' +
  'cvtss2sd cvtss2si cvttpd2dq cvttpd2pi cvttps2dq cvttps2pi cvttsd2si cvttss2si divpd divps divsd divss dppd dpps extractps haddpd haddps hsubpd hsubps insertps lddqu ' +
  'ldmxcsr maskmovdqu maskmovq maxpd maxps maxsd maxss minpd minps minsd minss movapd movaps movd movddup movdq2q movdqa movdqu movhlps movhpd movhps movlhps movlpd movlps ' +
  'movmskpd movmskps movntdq movntdqa movnti movntpd movntps movntq movq movq2dq movsd movshdup movsldup movss movupd movups mpsadbw mulpd mulps mulsd mulss orpd orps ' +
  'pabsb pabsd pabsw packssdw packsswb packusdw packuswb paddb paddd paddq paddsb paddsw paddusb paddusw paddw palignr pand pandn pavgb pavgw pblendvb pblendw pclmulqdq ' +
  'pcmpeqb pcmpeqd pcmpeqq pcmpeqw pcmpestri pcmpestrm pcmpgtb pcmpgtd pcmpgtq pcmpgtw pcmpistri pcmpistrm pextrb pextrd pextrq pextrw phaddd phaddsw phaddw phminposuw ' +
  'phsubd phsubsw phsubw pinsrb pinsrd pinsrq pinsrw pmaddubsw pmaddwd pmaxsb pmaxsd pmaxsw pmaxub pmaxud pmaxuw pminsb pminsd pminsw pminub pminud pminuw pmovmskb ' +
  'pmovsxbd pmovsxbq pmovsxbw pmovsxdq pmovsxwd pmovsxwq pmovzxbd pmovzxbq pmovzxbw pmovzxdq pmovzxwd pmovzxwq pmuldq pmulhrsw pmulhuw pmulhw pmulld pmullw pmuludq por ' +
  'psadbw pshufb pshufd pshufhw pshuflw pshufw psignb psignd psignw pslld pslldq psllq psllw psrad psraw psrld psrldq psrlq psrlw psubb psubd psubq psubsb psubsw psubusb ' +
  'psubusw psubw ptest punpckhbw punpckhdq punpckhqdq punpckhwd punpcklbw punpckldq punpcklqdq punpcklwd pxor rcpps rcpss roundpd roundps roundsd roundss rsqrtps rsqrtss ' +
  'sha1msg1 sha1msg2 sha1nexte sha1rnds4 sha256msg1 sha256msg2 sha256rnds2 shufpd shufps sqrtpd sqrtps sqrtsd sqrtss stmxcsr subpd subps subsd subss ucomisd ucomiss ' +
  'unpckhpd unpckhps unpcklpd unpcklps xorpd xorps gf2p8affineinvqb gf2p8affineqb gf2p8mulb ' +
  'vbroadcastss vbroadcastsd vbroadcastf128 vbroadcasti128 vextractf128 vextracti128 vinsertf128 vinserti128 vperm2f128 vperm2i128 vpermd vpermq vpermpd vpermps ' +
  'vpermilpd vpermilps vpbroadcastb vpbroadcastw vpbroadcastd vpbroadcastq vpblendd vpmaskmovd vpmaskmovq vmaskmovps vmaskmovpd vpsllvd vpsllvq vpsravd vpsrlvd vpsrlvq ' +
  'vzeroupper vzeroall vgatherdps vgatherdpd vgatherqps vgatherqpd vpgatherdd vpgatherdq vpgatherqd vpgatherqq vcvtph2ps vcvtps2ph vtestps vtestpd ' +
  'vfmadd132pd vfmadd132ps vfmadd132sd vfmadd132ss vfmadd213pd vfmadd213ps vfmadd213sd vfmadd213ss vfmadd231pd vfmadd231ps vfmadd231sd vfmadd231ss vfmsub132pd ' +
  'vfmsub132ps vfmsub132sd vfmsub132ss vfmsub213pd vfmsub213ps vfmsub213sd vfmsub213ss vfmsub231pd vfmsub231ps vfmsub231sd vfmsub231ss vfnmadd132pd vfnmadd132ps ' +
  'vfnmadd132sd vfnmadd132ss vfnmadd213pd vfnmadd213ps vfnmadd213sd vfnmadd213ss vfnmadd231pd vfnmadd231ps vfnmadd231sd vfnmadd231ss vfnmsub132pd vfnmsub132ps ' +
  'vfnmsub132sd vfnmsub132ss vfnmsub213pd vfnmsub213ps vfnmsub213sd vfnmsub213ss vfnmsub231pd vfnmsub231ps vfnmsub231sd vfnmsub231ss vfmaddsub231pd vfmaddsub231ps ' +
  'vmovdqa32 vmovdqa64 vmovdqu8 vmovdqu16 vmovdqu32 vmovdqu64 vpternlogd vpternlogq vpandd vpandq vpord vporq vpxord vpxorq vpandnd vpandnq vextracti32x4 vextracti64x4 ' +
  'vinserti32x4 vinserti64x4 vextractf32x4 vextractf64x4 vinsertf32x4 vinsertf64x4 vpcmpd vpcmpq vpcmpud vpcmpuq vpcmpb vpcmpub vpcmpw vpcmpuw vpcompressd vpcompressq ' +
  'vpexpandd vpexpandq vpmovqd vpmovdb vpmovdw vpmovqb vpmovqw vpmovwb vpabsq vpmaxsq vpmaxuq vpminsq vpminuq vprold vprolq vprord vprorq vpsraq vpermt2d vpermt2q ' +
  'vpermi2d vpermi2q vpermt2b vpermb vpermw vpmullq vpopcntd vpopcntq vpopcntb vpopcntw vplzcntd vplzcntq vpconflictd vpconflictq vpshufbitqmb vpdpbusd vpdpwssd ' +
  'vpmadd52luq vpmadd52huq vpclmulqdq vaesenc vaesenclast vaesdec vaesdeclast vpshldq vpshrdq vpshldd vpshrdd vpshldvq vpshrdvq vscalefpd vscalefps vrcp14ps vrsqrt14ps ' +
  'vgetexppd vgetexpps vfixupimmpd vreducepd vrndscalepd vrndscaleps vrndscalesd vrndscaless vcvtusi2sd vcvtusi2ss vcvtsd2usi vcvtss2usi vcvttsd2usi vcvttss2usi ' +
  'vcvtqq2pd vcvtqq2ps vcvtuqq2pd vcvtpd2qq vcvttpd2qq vcvtudq2pd vcvtudq2ps vcvtpd2udq vcvttpd2udq vcvtps2udq vcvttps2udq vblendmpd vblendmps vpblendmd vpblendmq ' +
  'vpblendmb vpblendmw vpmovm2d vpmovm2q vpmovd2m vpmovq2m vpmovb2m vpmovm2b vpbroadcastmb2q vpbroadcastmw2d vpsllvw vpsrlvw vpsravw vshuff64x2 vshufi64x2 vshuff32x4 ' +
  'vshufi32x4 valignd valignq vpmovzxbd vpmovsxbd kandw kandb kandd kandq korw korb kord korq kxorw kxorb kxord kxorq knotw knotb knotd knotq kortestw kortestb kortestd ' +
  'kortestq ktestw ktestb ktestd ktestq kshiftlw kshiftlb kshiftld kshiftlq kshiftrw kshiftrb kshiftrd kshiftrq kunpckbw kunpckwd kunpckdq kaddw kaddb kaddd kaddq ' +
  'kandnw kandnb kandnd kandnq kxnorw kxnorb kxnord kxnorq ' +
  'vpaddb vpaddw vpaddd vpaddq vpsubb vpsubw vpsubd vpsubq vpand vpandn vpor vpxor vpcmpeqb vpcmpeqw vpcmpeqd vpcmpeqq vpcmpgtb vpcmpgtw vpcmpgtd vpcmpgtq vpmovmskb ' +
  'vpshufb vpshufd vpalignr vpunpcklbw vpunpckhbw vpminub vpmaxub vptest vmovd vmovq vmovdqa vmovdqu vmovaps vmovups vmovapd vmovupd vmovss vmovsd vpxord ' +
  'emms femms pfadd';

/** Each known word maps to itself, so that results share one string per mnemonic. */
const known = new Map<string, string>();
for (const word of GENERAL.split(' ')) known.set(word, word);
for (const word of VECTOR.split(' ')) {
  known.set(word, word);
  // AVX re-encodes every legacy SSE instruction with a `v` prefix: `addps` -> `vaddps`.
  if (word[0] !== 'v' && word[0] !== 'k' && word[0] !== 'f') known.set('v' + word, 'v' + word);
}
known.delete('');

/** Every known mnemonic in Intel spelling, in a stable order: the x86 table numbers them in this order. */
export const knownMnemonics: readonly string[] = [...known.keys()];

/** The shared string for a known mnemonic, or `word` itself. */
export function internMnemonic(word: string): string {
  return known.get(word) ?? word;
}

/** True when `mnemonic` (lowercase, Intel spelling) is a known x86 mnemonic. */
export function isKnownMnemonic(mnemonic: string): boolean {
  return known.has(mnemonic);
}

/**
 * True for control transfers whose bare operand is a code address rather than a memory operand:
 * `jmp .L3`, `call foo`, `jne 25 <sw+0x25>`, `loop .L2`, `xbegin .Labort`.
 */
export function isBranchMnemonic(mnemonic: string): boolean {
  const c = mnemonic.charCodeAt(0);
  if (c === 106 /* j */) return known.has(mnemonic);
  return (
    mnemonic === 'call' ||
    mnemonic === 'lcall' ||
    mnemonic === 'loop' ||
    mnemonic === 'loope' ||
    mnemonic === 'loopne' ||
    mnemonic === 'loopz' ||
    mnemonic === 'loopnz' ||
    mnemonic === 'xbegin'
  );
}

/** An AT&T mnemonic turned into Intel spelling, with the sizes its suffix states. */
export interface AttMnemonic {
  readonly mnemonic: string;
  /** The operand size the suffix states (for `movzbl`, the destination size 4). */
  readonly suffixSize: number | undefined;
  /** The size of a memory operand, when it differs from `suffixSize` (`movzbl (%rax)` reads 1 byte). */
  readonly memSize: number | undefined;
}

/** AT&T words whose Intel spelling is a different word, not the word minus a suffix. */
const ATT_SPECIAL: Readonly<Record<string, readonly [string, number | undefined, number | undefined]>> = {
  // Sign and zero extension: `movzbl (%rdi),%eax` is `movzx eax, byte ptr [rdi]`.
  movzbw: ['movzx', 2, 1],
  movzbl: ['movzx', 4, 1],
  movzbq: ['movzx', 8, 1],
  movzwl: ['movzx', 4, 2],
  movzwq: ['movzx', 8, 2],
  movsbw: ['movsx', 2, 1],
  movsbl: ['movsx', 4, 1],
  movsbq: ['movsx', 8, 1],
  movswl: ['movsx', 4, 2],
  movswq: ['movsx', 8, 2],
  movslq: ['movsxd', 8, 4],
  // Accumulator conversions.
  cbtw: ['cbw', 2, undefined],
  cwtl: ['cwde', 4, undefined],
  cltq: ['cdqe', 8, undefined],
  cwtd: ['cwd', 2, undefined],
  cltd: ['cdq', 4, undefined],
  cqto: ['cqo', 8, undefined],
  // Size-suffixed control transfers and frame instructions.
  retq: ['ret', 8, undefined],
  retl: ['ret', 4, undefined],
  retw: ['ret', 2, undefined],
  callq: ['call', 8, 8],
  calll: ['call', 4, 4],
  jmpq: ['jmp', 8, 8],
  jmpl: ['jmp', 4, 4],
  leaveq: ['leave', 8, undefined],
  leavel: ['leave', 4, undefined],
  lretq: ['lret', 8, undefined],
  pushfl: ['pushfd', 4, undefined],
  popfl: ['popfd', 4, undefined],
  pushal: ['pushad', 4, undefined],
  popal: ['popad', 4, undefined],
  iretl: ['iretd', 4, undefined],
  // String instructions whose `l` form is Intel's `d` form: AT&T `movsl` is Intel `movsd`.
  movsl: ['movsd', 4, 4],
  stosl: ['stosd', 4, 4],
  lodsl: ['lodsd', 4, 4],
  scasl: ['scasd', 4, 4],
  cmpsl: ['cmpsd', 4, 4],
  insl: ['insd', 4, 4],
  outsl: ['outsd', 4, 4],
};

/**
 * The AT&T words objdump prints for Intel mnemonics it renames outright (`cdqe` is `cltq`): the
 * accumulator conversions and `movslq`, read backwards from `ATT_SPECIAL` so the two spellings
 * live in one table. The other special words (`movzbl`, `retq`…) depend on operand sizes.
 */
export const attRenamed: ReadonlyMap<string, string> = new Map(
  ['cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto', 'movslq'].map((att) => [ATT_SPECIAL[att]![0], att]),
);

const SUFFIX_SIZE: Readonly<Record<string, number>> = { b: 1, w: 2, l: 4, q: 8 };

/**
 * Normalizes an AT&T mnemonic (lowercase) to Intel spelling.
 * `hasVectorRegister` says whether an operand is an `%xmm`/`%mm` register, which makes `movq` the
 * SSE/MMX `movq` rather than `mov` with a `q` suffix.
 */
export function normalizeAttMnemonic(word: string, hasVectorRegister: boolean): AttMnemonic {
  if (hasVectorRegister) return normalizeUncached(word, true);
  let result = attCache.get(word);
  if (result === undefined) {
    result = normalizeUncached(word, false);
    if (attCache.size >= 4096) attCache.clear();
    attCache.set(word, result);
  }
  return result;
}

/** Normalized AT&T words: a file uses a few hundred distinct mnemonics thousands of times each. */
const attCache = new Map<string, AttMnemonic>();

function normalizeUncached(word: string, hasVectorRegister: boolean): AttMnemonic {
  const special = ATT_SPECIAL[word];
  if (special !== undefined) return { mnemonic: special[0], suffixSize: special[1], memSize: special[2] };
  if (word === 'movq' || word === 'movd') {
    if (hasVectorRegister || word === 'movd') return { mnemonic: word, suffixSize: undefined, memSize: word === 'movq' ? 8 : 4 };
    return { mnemonic: 'mov', suffixSize: 8, memSize: 8 };
  }
  const whole = known.get(word);
  if (whole !== undefined) return { mnemonic: whole, suffixSize: undefined, memSize: undefined };
  const last = word[word.length - 1];
  // x87 memory forms: `flds`/`fldl`/`fldt` are float sizes, `filds`/`fildl`/`fildll` integer sizes.
  if (word.charCodeAt(0) === 102 /* f */) {
    const x87 = x87Suffix(word);
    if (x87 !== undefined) return x87;
  }
  const size = SUFFIX_SIZE[last];
  if (size !== undefined) {
    const stem = known.get(word.slice(0, -1));
    if (stem !== undefined) return { mnemonic: stem, suffixSize: size, memSize: size };
    // `cvtsi2sdl`, `vcvtsi2ssq`: the suffix states the integer source's size.
  }
  return { mnemonic: word, suffixSize: undefined, memSize: undefined };
}

function x87Suffix(word: string): AttMnemonic | undefined {
  const integer = word.startsWith('fi');
  if (word.endsWith('ll')) {
    const stem = word.slice(0, -2);
    if (known.has(stem)) return { mnemonic: stem, suffixSize: 8, memSize: 8 };
  }
  const last = word[word.length - 1];
  const stem = word.slice(0, -1);
  if (!known.has(stem)) return undefined;
  let size: number | undefined;
  if (last === 's') size = integer ? 2 : 4;
  else if (last === 'l') size = integer ? 4 : 8;
  else if (last === 't') size = 10;
  else if (last === 'q') size = 8;
  if (size === undefined) return undefined;
  return { mnemonic: stem, suffixSize: size, memSize: size };
}

/** String instructions that objdump prints without a size letter (`rep stos %rax,%es:(%rdi)`). */
const STRING_STEMS = new Set(['stos', 'lods', 'scas', 'movs', 'cmps', 'ins', 'outs']);

/** `stos` with an 8-byte operand is `stosq`: the form capstone prints. Undefined when not a string op. */
export function sizedStringMnemonic(stem: string, size: number | undefined): string | undefined {
  if (!STRING_STEMS.has(stem)) return undefined;
  if (size === 1) return stem + 'b';
  if (size === 2) return stem + 'w';
  if (size === 4) return stem + 'd';
  if (size === 8) return stem + 'q';
  return undefined;
}

/** Instruction prefixes as words, mapped to their canonical name. */
const PREFIXES: Readonly<Record<string, string>> = {
  lock: 'lock',
  rep: 'rep',
  repe: 'repe',
  repz: 'repe',
  repne: 'repne',
  repnz: 'repne',
  notrack: 'notrack',
  bnd: 'bnd',
  data16: 'data16',
  data32: 'data32',
  addr16: 'addr16',
  addr32: 'addr32',
  rex: 'rex',
  rex64: 'rex64',
  xacquire: 'xacquire',
  xrelease: 'xrelease',
  o16: 'o16',
  o32: 'o32',
  o64: 'o64',
  a16: 'a16',
  a32: 'a32',
  a64: 'a64',
  '{vex}': '{vex}',
  '{vex2}': '{vex2}',
  '{vex3}': '{vex3}',
  '{evex}': '{evex}',
  '{disp8}': '{disp8}',
  '{disp32}': '{disp32}',
  '{load}': '{load}',
  '{store}': '{store}',
  '{nooptimize}': '{nooptimize}',
};

/** Segment-override prefixes as objdump prints them before a mnemonic (`cs nopw 0x0(%rax,%rax,1)`). */
const SEGMENT_PREFIXES = new Set(['cs', 'ds', 'es', 'fs', 'gs', 'ss']);

/**
 * The canonical prefix for a lowercase word, or undefined. Segment names count as prefixes only
 * when another word follows (`cs nopw ...`); `rex.W` and friends are objdump's REX spellings.
 */
export function prefixName(word: string, followedByWord: boolean): string | undefined {
  const p = PREFIXES[word];
  if (p !== undefined) return p;
  if (followedByWord && SEGMENT_PREFIXES.has(word)) return word;
  if (word.startsWith('rex.')) return word;
  return undefined;
}
