// TypeScript declarations for opchat-client (index.js); answer types follow docs/openapi.yaml.
/// <reference types="node" />

export declare const WRITE_ENDPOINTS: Set<string>;

export interface Foot { operationTime: string; servicePhone: string; host: string; timezone: string; }
export interface Envelope<D> { code: 200; message: string; data: D; foot: Foot; }
export interface Page { total: number; page: number; pageSize: number; count: number; next: boolean; startIndex: number; }
export interface SearchPage extends Page { totalExact: boolean; }

export interface Chat {
  chatId: string; channel: string; userId: string; operatorId: string | null;
  statusCode: number; status: string; messageCount: number;
  createTime: string; updateTime: string; lastMessageTime: string | null;
  createTimestamp: number; updateTimestamp: number; ext: Record<string, unknown>;
}

export interface Message {
  userMessageId: string;
  /** the sender (the wire name is misspelled) */
  form: string;
  /** null before an operator accepted the chat */
  to: string | null;
  type: string; msg: string | null; url: string | null; filename: string | null;
  thumb: string | null; secret: string | null; thumb_secret: string | null;
  /** digits as a string on the wire; "0" when none */
  length: string;
  /** digits as a string on the wire; "0" when none */
  file_length: string;
  addr: string | null; lat: number | null; lng: number | null;
  createTime: string; getUrl: string | null; ext: Record<string, unknown>;
  seq: number; timestamp: number;
}

export type EventType = 'message.created' | 'chat.created' | 'chat.status_changed';
export interface MessageCreatedData {
  chatId: string; seq: number;
  /** null when retention has deleted the chat since */
  message: Message | null;
}
/** chat.status_changed: the chat after the change, and `from`, its status code before */
export interface ChatStatusChangedData extends Chat { from: number; }
interface EventBase { id: string; channel: string; chatId: string; time: number; }
export type OpchatEvent =
  | (EventBase & { type: 'message.created'; data: MessageCreatedData })
  | (EventBase & { type: 'chat.created'; data: Chat })
  | (EventBase & { type: 'chat.status_changed'; data: ChatStatusChangedData });
export interface EventsAnswer { events: OpchatEvent[]; next: string; }

export interface HistoryAnswer extends Envelope<{ status: string; msg: Message[]; chatId: string }> { page: Page; }
export interface SendMessageAnswer extends Envelope<Message> { chatId: string; duplicate: boolean; }
export interface ChatsAnswer extends Envelope<{ chats: Chat[] }> { page: Page; }
/** `snippet`: plain text around the first match, matches wrapped in 【】, cut ends marked … */
export interface SearchHit { chatId: string; snippet: string; message: Message; }
export interface SearchAnswer extends Envelope<{ keyword: string; hits: SearchHit[] }> { page: SearchPage; }
export interface Transcript { chatId: string; format: 'html' | 'csv' | 'json'; contentType: string; fileName: string; content: string; }

export declare class OpchatError extends Error {
  constructor(code: number, message: string, answer?: object | null);
  code: number; apiMessage: string; answer: any;
}

export declare function signQuery(params: Record<string, string>, body: string | Buffer, secret: string,
  options?: { method?: 'md5' | 'hmac-sha256'; path?: string; httpMethod?: string }): string;

export interface ClientOptions { client: string; secret: string; channel: string; signMethod?: 'md5' | 'hmac-sha256'; timeoutMs?: number; }
export interface LiveOptions {
  after?: string; chatId?: string; types?: string[];
  onEvent: (event: OpchatEvent) => void; onError?: (error: Error) => void;
  onClose?: (error: OpchatError | null) => void; idleTimeoutMs?: number;
}

export declare class OpchatClient {
  constructor(baseUrl: string, options: ClientOptions);
  baseUrl: string; client: string; secret: string; channel: string; signMethod: 'md5' | 'hmac-sha256'; timeoutMs: number;
  call(endpoint: string, body: object, options?: { stamp?: boolean; timeoutMs?: number }): Promise<any>;
  history(chatId: string, o?: { pageNum?: number; pageSize?: number; order?: 'asc' | 'desc'; afterSeq?: number }): Promise<HistoryAnswer>;
  createChat(o: { userId: string; chatId?: string; ext?: object }): Promise<Chat>;
  acceptChat(chatId: string, operatorId: string): Promise<Chat>;
  suspendChat(chatId: string): Promise<Chat>;
  resumeChat(chatId: string): Promise<Chat>;
  endChat(chatId: string): Promise<Chat>;
  deleteChat(chatId: string): Promise<Chat>;
  transferChat(chatId: string, operatorId: string): Promise<Chat>;
  sendMessage(chatId: string, message: { direction: 'userToOperator' | 'operatorToUser'; type: string; [field: string]: any }): Promise<SendMessageAnswer>;
  chats(filter?: { status?: number; operatorId?: string; userId?: string; since?: number | string; until?: number | string; pageNum?: number; pageSize?: number }): Promise<ChatsAnswer>;
  chatInfo(chatId: string): Promise<Chat>;
  searchMessages(keyword: string, filter?: { chatId?: string; type?: string; since?: number | string; until?: number | string; pageNum?: number; pageSize?: number }): Promise<SearchAnswer>;
  chatTranscript(chatId: string, o?: { format?: 'html' | 'csv' | 'json' }): Promise<Transcript>;
  events(o?: { after?: string; chatId?: string; types?: string[]; limit?: number; waitMs?: number }): Promise<EventsAnswer>;
  livePath(o?: { after?: string; chatId?: string; types?: string[] }): string;
  live(options: LiveOptions): LiveConnection;
}

export declare function encodeClientFrame(opcode: number, payload?: Buffer): Buffer;
export declare class FrameReader { buffer: Buffer; push(chunk: Buffer): { fin: boolean; opcode: number; payload: Buffer }[]; }

export declare class LiveConnection {
  constructor(op: OpchatClient, options: LiveOptions);
  op: OpchatClient; lastId: string | null; connections: number; stopped: boolean;
  done: Promise<OpchatError | null>;
  close(): void;
}

export declare class WebhookVerificationError extends Error {}
export declare function verifyWebhook(secrets: string | string[], headers: Record<string, string | string[] | undefined>,
  body: string | Buffer, options?: { toleranceS?: number; nowS?: number }): { type: EventType; timestamp: string; data: any };
