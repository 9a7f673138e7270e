// Typed calls for storages, their content, vzdump and downloads.
import type { Params, PveRequester } from '../types.js';

export interface StorageContentItem {
  volid: string;
  content: string;
  format: string;
  size: number;
  ctime?: number;
  vmid?: number;
  notes?: string;
  protected?: number;
}

const s = (node: string, storage: string) => `/nodes/${encodeURIComponent(node)}/storage/${encodeURIComponent(storage)}`;

export const getStorage = (c: PveRequester) => c.get<Array<{ storage: string; type: string; content: string; shared?: number }>>('/storage');
export const getNodeStorage = (c: PveRequester, node: string, params: { content?: string; storage?: string; enabled?: boolean } = {}) =>
  c.get<Array<{ storage: string; type: string; content: string; shared: number; active?: number; total?: number; used?: number; avail?: number }>>(`/nodes/${encodeURIComponent(node)}/storage`, params);
export const getStorageContent = (c: PveRequester, node: string, storage: string, params: { content?: string; vmid?: number } = {}) =>
  c.get<StorageContentItem[]>(`${s(node, storage)}/content`, params);
export const getStorageContentVolume = (c: PveRequester, node: string, storage: string, volume: string) =>
  c.get<{ path: string; size: number; used: number; format: string; notes?: string; protected?: number }>(`${s(node, storage)}/content/${encodeURIComponent(volume)}`);
export const deleteStorageContent = (c: PveRequester, node: string, storage: string, volume: string) => c.delete<string | null>(`${s(node, storage)}/content/${encodeURIComponent(volume)}`);
export const putStorageContent = (c: PveRequester, node: string, storage: string, volume: string, params: { notes?: string; protected?: boolean }) =>
  c.put<null>(`${s(node, storage)}/content/${encodeURIComponent(volume)}`, params);
export const postVzdump = (c: PveRequester, node: string, params: Params & { vmid?: string; storage?: string; mode?: 'snapshot' | 'suspend' | 'stop'; compress?: string; 'notes-template'?: string; protected?: boolean }) =>
  c.post<string>(`/nodes/${encodeURIComponent(node)}/vzdump`, params);
export const postDownloadUrl = (
  c: PveRequester,
  node: string,
  storage: string,
  params: { url: string; filename: string; content: 'iso' | 'vztmpl' | 'import'; checksum?: string; 'checksum-algorithm'?: string; 'verify-certificates'?: boolean },
) => c.post<string>(`${s(node, storage)}/download-url`, params);
