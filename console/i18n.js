// The page's words in Chinese and English. Static text in index.html names its key in
// data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder or data-i18n-title;
// code asks t(key, values). Chinese is the default when the browser's language is Chinese.

const STRINGS = {
  zh: {
    appTitle: 'opchat 客服台',
    loginTitle: '客服登录',
    channel: '渠道',
    login: '登录名',
    password: '密码',
    signIn: '登录',
    signingIn: '正在登录…',
    signOut: '退出',
    language: 'English',
    languageLabel: '切换到英文',
    sessionEnded: '会话已结束，请重新登录',
    signedOut: '已退出',
    networkError: '网络错误，请稍后重试',
    retryAfter: '（{seconds} 秒后可重试）',
    queue: '会话队列',
    tabWaiting: '等待接待',
    tabMine: '我的会话',
    tabChatting: '全部进行中',
    tabSuspended: '挂起',
    tabEnded: '已结束',
    unread: '{count} 条未读',
    emptyQueue: '没有会话',
    noChat: '从左侧选择一个会话',
    chatWith: '与 {user} 的会话',
    statusLine: '状态：{status} · 客服：{operator} · {count} 条消息',
    nobody: '无',
    accept: '接待',
    suspend: '挂起',
    resume: '恢复',
    end: '结束',
    transfer: '转接',
    transcript: '下载记录',
    transcriptFormat: '记录格式',
    history: '聊天记录',
    loadingOlder: '正在加载更早的消息…',
    beginning: '已加载全部消息',
    replyLabel: '回复内容（Enter 发送，Shift+Enter 换行）',
    replyPlaceholder: '输入回复，Enter 发送',
    send: '发送',
    search: '搜索消息',
    searchPlaceholder: '搜索消息（/）',
    searchButton: '搜索',
    searchResults: '搜索结果',
    noHits: '没有找到',
    hitCount: '找到 {count} 条',
    closeSearch: '关闭搜索',
    transferTitle: '转接会话',
    transferTo: '转接给',
    confirm: '确定',
    cancel: '取消',
    live: '实时连接',
    liveOn: '已连接',
    liveOff: '连接中断，正在重连…',
    help: '快捷键：Alt+↑/↓ 切换会话 · / 搜索 · Esc 关闭对话框 · Enter 发送 · Shift+Enter 换行',
    roleAgent: '客服',
    roleSupervisor: '主管',
    fromUser: '用户',
    fromOperator: '客服',
    image: '图片',
    audio: '语音',
    video: '视频',
    file: '文件',
    location: '位置',
    command: '指令',
    custom: '自定义消息',
    order: '订单',
    seconds: '{n} 秒',
    openMap: '在地图中查看',
    noMedia: '（无可用链接）',
    done: '已完成',
  },
  en: {
    appTitle: 'opchat console',
    loginTitle: 'Operator sign-in',
    channel: 'Channel',
    login: 'Login',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    signOut: 'Sign out',
    language: '中文',
    languageLabel: 'Switch to Chinese',
    sessionEnded: 'Your session has ended; please sign in again',
    signedOut: 'Signed out',
    networkError: 'Network error; please try again',
    retryAfter: ' (try again in {seconds} s)',
    queue: 'Chat queue',
    tabWaiting: 'Waiting',
    tabMine: 'Mine',
    tabChatting: 'All active',
    tabSuspended: 'Suspended',
    tabEnded: 'Ended',
    unread: '{count} unread',
    emptyQueue: 'No chats',
    noChat: 'Pick a chat on the left',
    chatWith: 'Chat with {user}',
    statusLine: 'Status: {status} · Operator: {operator} · {count} messages',
    nobody: 'none',
    accept: 'Accept',
    suspend: 'Suspend',
    resume: 'Resume',
    end: 'End',
    transfer: 'Transfer',
    transcript: 'Download transcript',
    transcriptFormat: 'Transcript format',
    history: 'Chat history',
    loadingOlder: 'Loading older messages…',
    beginning: 'All messages loaded',
    replyLabel: 'Reply (Enter sends, Shift+Enter adds a line)',
    replyPlaceholder: 'Type a reply; Enter sends',
    send: 'Send',
    search: 'Search messages',
    searchPlaceholder: 'Search messages (/)',
    searchButton: 'Search',
    searchResults: 'Search results',
    noHits: 'Nothing found',
    hitCount: '{count} found',
    closeSearch: 'Close search',
    transferTitle: 'Transfer chat',
    transferTo: 'Transfer to',
    confirm: 'OK',
    cancel: 'Cancel',
    live: 'Live connection',
    liveOn: 'Connected',
    liveOff: 'Disconnected, reconnecting…',
    help: 'Keys: Alt+↑/↓ next chat · / search · Esc close dialogs · Enter send · Shift+Enter new line',
    roleAgent: 'agent',
    roleSupervisor: 'supervisor',
    fromUser: 'User',
    fromOperator: 'Operator',
    image: 'Image',
    audio: 'Voice',
    video: 'Video',
    file: 'File',
    location: 'Location',
    command: 'Command',
    custom: 'Custom message',
    order: 'Order',
    seconds: '{n} s',
    openMap: 'Open in a map',
    noMedia: '(no link available)',
    done: 'Done',
  },
};

const STORAGE_KEY = 'opchat.console.lang';
let current = initialLanguage();

function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'zh' || saved === 'en') return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The current language: 'zh' or 'en'. */
export function language() {
  return current;
}

/** The string `key` in the current language, with `{name}` replaced from `values`. */
export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Switches the language, remembers it, and re-labels the static page. */
export function setLanguage(lang) {
  current = lang === 'zh' ? 'zh' : 'en';
  localStorage.setItem(STORAGE_KEY, current);
  translatePage(document);
}

/** Sets every data-i18n* text, label, placeholder and title under `root`. */
export function translatePage(root) {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('appTitle');
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  }
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) {
    node.setAttribute('placeholder', t(node.dataset.i18nPlaceholder));
  }
  for (const node of root.querySelectorAll('[data-i18n-title]')) {
    node.setAttribute('title', t(node.dataset.i18nTitle));
  }
}
