import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';

/** kafkajs hands a codec its encoder; only the bytes are needed. */
interface Encoded {
  buffer: Buffer;
}

/** zstd level 3: zstd's own default, most of the ratio for little CPU on a few-KB JSON record. */
const ZSTD_LEVEL = 3;

/**
 * kafkajs ships gzip only. LZ4 (frame format, what Kafka's LZ4 codec reads) and zstd come from
 * native packages, registered once per process where the client is built (createKafka), so the
 * API that compresses and the worker that decompresses always have the same codecs.
 */
export function registerCompressionCodecs(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: Encoded) => compressFrame(encoder.buffer),
    decompress: (buffer: Buffer) => decompressFrame(buffer),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: Encoded) => zstdCompress(encoder.buffer, ZSTD_LEVEL),
    decompress: (buffer: Buffer) => zstdDecompress(buffer),
  });
}
