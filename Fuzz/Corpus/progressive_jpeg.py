#!/usr/bin/env python3
"""Writes FuzzImage/progressive.jpg, a seed that reaches libjpeg's progressive
decoder: a flat SIDE x SIDE gray JPEG (SIDE a multiple of 1024) with one DC
scan and SCANS first-pass AC scans, all in a few kilobytes.

    python3 Fuzz/Corpus/progressive_jpeg.py 1024 3 Fuzz/Corpus/FuzzImage/progressive.jpg
"""
import sys,struct
side=int(sys.argv[1]); scans=int(sys.argv[2])
def seg(m,b): return bytes([0xFF,m])+struct.pack('>H',len(b)+2)+b
blocks=(side//8)**2
out=b'\xff\xd8'+seg(0xDB,b'\x00'+b'\x01'*64)+seg(0xC2,bytes([8])+struct.pack('>HH',side,side)+bytes([1,1,0x11,0]))
out+=seg(0xC4,bytes([0x00,1])+bytes(15)+b'\x00')+seg(0xC4,bytes([0x10,1])+bytes(15)+b'\xe0')
out+=seg(0xDA,bytes([1,1,0,0,0,0]))+bytes(blocks//8)
n=blocks//16384
bits='0'*15*n
bits+= '1'*((8-len(bits)%8)%8)
data=bytes(int(bits[i:i+8],2) for i in range(0,len(bits),8))
ac=seg(0xDA,bytes([1,1,0,1,63,0]))+data
out+=ac*scans+b'\xff\xd9'
open(sys.argv[3],'wb').write(out)
