// Korean and English. The browser's language decides at first; the choice is remembered.

const STRINGS = {
  en: {
    skip: 'Skip to content', albums: 'Albums', trash: 'Trash', language: 'Language', signOut: 'Sign out',
    devices: 'Devices', devicesTitle: 'Signed-in devices', thisDevice: 'This device', lastUsed: 'Last used {date}',
    devicesHelp: 'picup is open on these phones and computers. Sign out one you no longer use, or one that was lost.',
    signOutDevice: 'Sign out', signOutOthers: 'Sign out all other devices', confirmSignOutDevice: 'Sign out {device}?',
    confirmSignOutOthers: 'Sign out every other device? You stay signed in here.', signedOutDevices: 'Signed out on {n} devices.',
    signIn: 'Sign in', email: 'Email', password: 'Password', name: 'Your name', welcome: 'Welcome to picup',
    firstAccount: 'Create the family album', firstAccountHint: 'You are the first person here: this account will look after the family album.',
    createAccount: 'Create my account', haveAccount: 'I already have an account', newHere: 'This is my first time here',
    join: 'Join the family album', joinHint: 'A family member invited you. Choose your name and a password.',
    newAlbum: 'New album', albumTitle: 'Album name', create: 'Create', cancel: 'Cancel', save: 'Save',
    rename: 'Rename', delete: 'Delete', share: 'Share', addPhotos: 'Add photos and videos',
    dropHere: 'or drop photos and videos here', emptyAlbum: 'No photos yet. Press the big button to add some.',
    noAlbums: 'No albums yet. Make the first one!', items: '{n} photos and videos', oneItem: '1 photo or video',
    processing: 'Getting ready…', failed: 'Could not show this file', confirmDeleteAlbum: 'Delete the album "{title}"? Its photos go to the trash for 30 days.',
    confirmDelete: 'Move this to the trash? You can bring it back for 30 days.', confirmEmpty: 'Delete everything in the trash for good? This cannot be undone.',
    trashEmpty: 'The trash is empty.', restore: 'Restore', emptyTrash: 'Empty the trash', restored: 'Brought back.',
    restoreFailed: 'Could not bring back "{name}": {reason}',
    storage: '{used} of {total} used', previous: 'Previous', next: 'Next', close: 'Close', download: 'Download original', live: 'LIVE', playLive: 'Play the moment',
    uploading: 'Uploading {done} of {count}', unfinished: 'Uploads not finished: {n}. Choose the same files again to continue where they stopped.', continueUploads: 'Continue', checking: 'Checking…', waitingForNetwork: 'Waiting for the network…', uploadPaused: 'The phone paused the upload while picup was in the background. It goes on now; keep picup open until it is done.', uploadDone: 'Done', alreadyAdded: 'Already in picup, not added twice.', alreadyIn: 'Already in “{album}”, not added twice.', show: 'Show', uploadFailed: 'Failed', retry: 'Try again',
    leaveWarning: 'Photos are still uploading. Leave anyway?', notAllowed: '"{name}" cannot be added: picup takes photos and videos only.',
    noSpace: 'Not enough space: these files need {need} but only {free} is free. Empty the trash or ask the family admin for more space.',
    shareTitle: 'Share this album', role: 'They can', viewer: 'look at photos', contributor: 'look and add photos',
    makeLink: 'Make an invite link', copy: 'Copy link', copied: 'Copied!', linkHint: 'Send this link to a family member. It works once, for 14 days.',
    addMember: 'Or add someone who already has an account', add: 'Add', added: 'Added.',
    offline: 'Cannot reach picup. Check the internet connection and try again.', wrongLogin: 'Wrong email or password.',
    takenOn: 'Taken {date}', loadMore: 'Show more',
    news: "What's new", search: 'Search', searchHint: 'Jeju, 2019, grandma…', searchFor: 'Search: {q}',
    searchResults: 'Photos found', noResults: 'Nothing found. Try part of a word, a year like 2019, or an album name.',
    like: 'Like', likes: 'Likes: {n}', commentCount: 'Comments: {n}', albumHit: 'Album: {title}', comments: 'Comments', writeComment: 'Write a comment',
    send: 'Send', notifications: 'Notifications: {n} new', newPhotos: '{who} added {n} photos to {album}',
    likedYours: '{who} liked your photo in {album}', commentedYours: '{who} commented on your photo in {album}',
    joined: '{who} joined {album}', memoriesNews: 'On this day: {n} photos from {years}', memoriesNewsOne: 'On this day: a photo from {years}', noNews: 'Nothing new yet. New photos, likes and comments show up here.',
    follow: 'Follow {who}', following: 'Following',
    signInWithPasskey: 'Sign in with fingerprint or face (passkey)',
    passkeySignInHint: 'Uses the fingerprint, face or screen lock of this phone or computer. Nothing to type.',
    orWithPassword: 'Or sign in with your email and password:',
    passkeySignInCancelled: 'Signing in with fingerprint or face did not finish. Please try again, or use your email and password.',
    passkeyAddCancelled: 'No passkey was added: the fingerprint, face or screen lock was not confirmed. Please try again.',
    passkeyAlreadyHere: 'This phone or computer already has a passkey for your account.',
    passkeyNotHere: 'This browser cannot use a fingerprint or face for picup. Please use your email and password.',
    passkeyRefused: 'This passkey was not accepted. Please try again, or use your email and password.',
    passkeyNotAdded: 'The passkey could not be added. Please try again.',
    passkeys: 'Fingerprint or face (passkeys)',
    passkeysHelp: 'A passkey lets you sign in with your fingerprint, face or screen lock instead of a password. It stays on your phone or computer.',
    noPasskeys: 'No passkeys yet.', addPasskey: 'Add a passkey',
    passkeyAdded: 'Done! Next time, press “Sign in with fingerprint or face”.',
    passkeyAddedOn: 'Added {date}', passkeyLastUsed: 'Last used {date}', passkeyNeverUsed: 'Not used yet',
    removePasskey: 'Remove', confirmRemovePasskey: 'Remove the passkey “{name}”? You can still sign in with your password.',
    passkeyRemoved: 'The passkey was removed.',
    signedInWithPassword: 'Signed in with a password', signedInWithPasskey: 'Signed in with a passkey (fingerprint or face)',
    signedInWithLink: 'Signed in with a sign-in link',
    family: 'Family', familyTitle: 'Family members',
    familyHelp: 'Everyone in the family album. If someone cannot sign in, make them a sign-in link.',
    you: 'You', signInLink: 'Sign-in link', signInLinkFor: 'Sign-in link for {name}',
    linkDialogHint: 'Let {name} scan this code with their phone’s camera, or send them the link. It signs them in once, without a password.',
    qrAlt: 'QR code of the sign-in link for {name}', signInLinkLabel: 'sign-in link',
    linkValidUntil: 'Valid until {when}. It works only once.',
    linksTitle: 'Sign-in links made', noLinks: 'No sign-in links made yet.',
    linkMadeBy: 'Made by {by} on {when}',
    linkActive: 'Not used yet. Valid until {when}', linkUsed: 'Used on {when}', linkExpired: 'Expired without being used',
    linkRevoked: 'Stopped on {when}',
    revokeLink: 'Stop this link', confirmRevokeLink: 'Stop the sign-in link for {name}? It will no longer work.', linkStopped: 'The link was stopped.',
    linkWelcome: 'Welcome, {name}', signedInNow: 'You are signed in.', whatNext: 'What would you like to do?',
    usePasskeyNextTime: 'Use my fingerprint or face next time',
    usePasskeyHint: 'Your phone asks for your fingerprint, face or screen lock. After that you sign in with it, without a password.',
    chooseNewPassword: 'Choose a new password', newPassword: 'New password',
    passwordRule: 'At least 8 characters. A short sentence you remember is good.', showPassword: 'Show the password',
    currentPassword: 'Your current password', currentPasswordNeeded: 'To change it, first type your current password.',
    wrongCurrentPassword: 'This is not your current password.', passwordTooShort: 'The new password needs at least 8 characters.',
    passwordTooLong: 'The new password can have at most 256 characters.',
    saveNewPassword: 'Save my new password', passwordSaved: 'Your new password is saved. Use it next time you sign in.',
    goToAlbums: 'Go to the albums', signingIn: 'Signing you in…',
    linkRefusedTitle: 'This link does not work any more',
    linkRefused: 'This sign-in link was already used or has expired. Please ask the family’s admin for a new one.',
    toSignIn: 'Go to the sign-in page',
    signInWith: 'Sign in with {provider}', joinWith: 'Join with {provider}',
    joinInvited: 'A family member invited you. Join with one press:',
    orJoinWithPassword: 'Or choose your name, email and a password:',
    identitiesTitle: 'Accounts you sign in with',
    identitiesHelp: 'You can sign in to picup with an account you already have, instead of a password. Link it here once; after that, press its button on the sign-in page.',
    noIdentities: 'No accounts linked yet.',
    identityLinkedOn: 'Linked {date}', identityLastUsed: 'Last used to sign in {date}', identityNeverUsed: 'Not used to sign in yet',
    linkAccount: 'Link my {provider} account', unlink: 'Unlink',
    confirmUnlink: 'Unlink your {provider} account? After this, its button no longer signs you in: use your password or a passkey.',
    identityUnlinked: 'Your {provider} account was unlinked.',
    identityLinked: 'Done! Next time, press “Sign in with {provider}”.',
    signedInWithOidc: 'Signed in with {provider}', signedInWithLinkedAccount: 'Signed in with a linked account',
    placeCountry: 'Signed in from {place}', placeCity: 'Signed in near {place}',
    oidcErrorTitle: 'That did not work',
    oidcUnknown: 'This account is not part of the family album yet. Ask a family member for an invite link. If you already have an account here, sign in with your email and password, then link this account on the Devices page.',
    oidcEmailTaken: 'There is already an account here with this email address. Sign in with your email and password, then link this account on the Devices page.',
    oidcLinkedElsewhere: 'This account is already linked to someone else in the family album, or you already linked another account of the same kind.',
    oidcCancelled: 'Signing in was stopped before it finished. Nothing has changed. You can try again whenever you like.',
    oidcRefused: 'Something did not check out, so picup stopped to keep the album safe. Please try again.',
    oidcUnavailable: 'The sign-in service cannot be reached right now. Please try again later, or sign in with your email and password.',
    oidcGeneral: 'Signing in did not work. Please try again, or sign in with your email and password.',

    uploadTotal: 'All uploads', inviteLinkLabel: 'invite link', viewerLabel: 'Photo viewer',
    more: 'More', settings: 'Settings', menu: 'Menu', tabs: 'Pages', notificationsLabel: 'Notifications',
    devicesAndSignIn: 'Devices and sign-in', storageTitle: 'Storage', signedInAs: 'Signed in as {name} ({email})',
    emailTaken: 'There is already an account with this email address. Sign in with it instead.',
    signInInstead: 'Sign in with this email',
    inviteUsed: 'This invite link was already used or has expired. If you already joined with it, sign in. If not, ask the family member for a new link.',
    inviteNeeded: 'Joining needs an invite link. Please ask a family member to send you one.',
    tooManyTries: 'Too many tries. Please wait a minute and try again.',
    quotaExceeded: 'Not enough space left. Empty the trash or ask the family’s admin for more space.',
    fileTooLarge: 'This file is too big for picup.', unsupportedType: 'picup takes photos and videos only.',
    notFound: 'This is not here any more. It may have been deleted.',
    notAllowedHere: 'You cannot do this here. Please ask the album’s owner.',
    signInAgain: 'Please sign in again.', notInTrash: 'This is no longer in the trash.',
    serverTrouble: 'Something went wrong at picup. Please try again in a moment.',
    badEmail: 'Please enter an email address like name@example.com.', badName: 'Please enter your name (up to 100 characters).',
    badTitle: 'Please enter a name of 1 to 200 characters.', writeSomething: 'Write something first.', badRole: 'Choose what they can do.',
    memberEmailProblem: 'Nobody in the family uses this email (or it is the album’s owner). Send them an invite link instead.',
    sharedCanAdd: 'Shared with you · you can look and add photos', sharedCanLook: 'Shared with you · you can look',
    sharedWithPeople: 'Shared with {n} people', onlyYou: 'Only you can see it', yourAlbum: 'Your album',
    newAlbumHint: 'A new album is yours alone: nobody else sees it until you share it.', deleteAlbum: 'Delete album',
    viewerCannotAdd: 'To add photos, ask the album’s owner.',
    uploadsFinished: 'Finished: {done} of {count}',
    trashHelp: 'What you deleted stays here for 30 days. Press “Restore” to bring it back.',
    emptyTrashTitle: 'Delete for good',
    emptyTrashHelp: 'Everything in the trash is deleted for good after 30 days. To make room now, you can empty the trash. This cannot be undone.',
    emptyTrashForGood: 'Delete everything for good',
    movedToTrash: 'Moved to the trash.', undo: 'Undo', photoAlt: 'Photo, {date}', videoAlt: 'Video, {date}', loading: 'Loading…',
    playVideo: 'Play the video', play: 'Play', dateUnknown: 'Date unknown',
    noComments: 'No comments yet. Write the first one!', hideComments: 'Hide comments',
    newPhoto: '{who} added a photo to {album}',
    searchWhat: 'What are you looking for?', searchHelp: 'Type part of a word, a year like 2019, an album’s name, or words from a comment.',

    // Share links (#20): the page a link opens, and the owner's link dialog; downloads; on this day.
    downloadPhoto: 'Download this photo', downloadAll: 'Download all', zipSize: '({size})',
    sharedEndedTitle: 'This link has ended', sharedEnded: 'Ask the person who sent it for a new one.',
    sharedUnknownTitle: 'This link does not work',
    sharedUnknown: 'Part of it may be missing. Check that the whole link was copied, or ask the person who sent it for a new one.',
    sharedPasswordTitle: 'This album has a password',
    sharedPasswordLead: 'The person who shared these photos gave them a password. Type it here to see them.',
    sharedPasswordHint: 'You only need to type it once on this phone or computer.', sharedOpen: 'Open the album',
    sharedWrongPassword: 'That is not the right password. Check it with the person who sent the link, and try again.',
    sharedTooManyTries: 'Too many wrong tries. Please wait {wait}, then try again.',
    waitFewSeconds: 'a few seconds', waitMinute: 'a minute', waitMinutes: '{n} minutes',
    sharedLead: 'Photos shared with you. Tap a photo to see it big.',
    sharedLookOnly: 'You can look at them without an account.', sharedUntil: 'This link works until {date}.',
    sharedEmpty: 'No photos in this album yet.',
    shareLinkTitle: 'Share with a link',
    shareLinkHelp: 'Anyone who has the link can look at this album, without an account. They cannot add, change or delete anything.',
    shareLinkOpen: 'Share with a link…', linkHowLong: 'How long should the link work?',
    linkForever: 'Until I stop it', linkWeek: '1 week', linkMonth: '1 month',
    linkAllowDownload: 'Let them download the photos', linkPassword: 'Password (only if you want one)',
    linkPasswordHint: 'At least 4 characters. Tell it to them yourself, not in the same message as the link.',
    makeShareLink: 'Make the link', shareLinkLabel: 'share link',
    shareLinkMade: 'Here is the link. Copy it and send it to your family.',
    shareSheet: 'Send with another app', shareSheetText: 'Photos from “{title}”',
    shareLinksMade: 'Links to this album', noShareLinks: 'No links made yet.', shareLinkMadeOn: 'Link made {date}',
    shareLinkUntil: 'Works until {date}', shareLinkNoEnd: 'Works until you stop it', shareLinkRevoked: 'Stopped', shareLinkExpired: 'Ended',
    withPassword: 'With a password', noPassword: 'No password', downloadsAllowed: 'Downloads allowed', downloadsNotAllowed: 'Look only',
    revokeShareLink: 'Stop this link', confirmRevokeShareLink: 'Stop this link? Whoever has it can no longer open the album.',
    shareLinkStopped: 'The link was stopped.',
    linkPasswordProblem: 'The password needs 4 to 256 characters.', linkEndProblem: 'Please choose a time in the future.',
    onThisDay: 'On this day', yearsAgoToday: '{n} years ago today', oneYearAgoToday: '1 year ago today',
    // The slideshow (TV mode), the app on the phone, offline, and photos shared from another app.
    slideshow: 'Slideshow', startSlideshow: 'Slideshow', slideshowNothing: 'No photos to show yet.',
    slideshowPause: 'Pause', slideshowPlay: 'Go on', slideshowPaused: 'Paused', slideshowLeave: 'Stop the slideshow',
    slideshowSpeed: 'Each photo', seconds: '{n} s',
    offlineNote: 'You are offline — showing photos seen before.',
    addToAlbum: 'Add to album', sharedFilesOne: '1 photo or video to add. Which album should it go in?',
    sharedFiles: '{n} photos and videos to add. Which album should they go in?',
    sharedFilesNone: 'Nothing to add: the photos did not arrive. Please share them again from your gallery.',
    sharedFilesNoAlbum: 'There is no album you can add to yet. Make a new one:', dontAdd: 'Do not add them',
    sharedFilesAdding: 'Adding to “{album}”…',
  },
  ko: {
    skip: '본문으로 건너뛰기', albums: '앨범', trash: '휴지통', language: '언어', signOut: '로그아웃',
    devices: '기기', devicesTitle: '로그인된 기기', thisDevice: '지금 쓰는 기기', lastUsed: '마지막 사용 {date}',
    devicesHelp: '이 휴대폰과 컴퓨터에서 picup이 열려 있어요. 더 쓰지 않거나 잃어버린 기기는 로그아웃하세요.',
    signOutDevice: '로그아웃', signOutOthers: '다른 기기 모두 로그아웃', confirmSignOutDevice: '{device}에서 로그아웃할까요?',
    confirmSignOutOthers: '다른 기기에서 모두 로그아웃할까요? 이 기기는 그대로 로그인되어 있어요.', signedOutDevices: '기기 {n}대에서 로그아웃했어요.',
    signIn: '로그인', email: '이메일', password: '비밀번호', name: '이름', welcome: 'picup에 오신 것을 환영합니다',
    firstAccount: '가족 앨범 만들기', firstAccountHint: '처음 오신 분입니다. 이 계정이 가족 앨범을 관리합니다.',
    createAccount: '계정 만들기', haveAccount: '이미 계정이 있어요', newHere: '처음 왔어요',
    join: '가족 앨범에 참여하기', joinHint: '가족이 초대했어요. 이름과 비밀번호를 정해 주세요.',
    newAlbum: '새 앨범', albumTitle: '앨범 이름', create: '만들기', cancel: '취소', save: '저장',
    rename: '이름 바꾸기', delete: '삭제', share: '공유', addPhotos: '사진과 동영상 추가',
    dropHere: '또는 여기에 사진과 동영상을 끌어다 놓으세요', emptyAlbum: '아직 사진이 없어요. 큰 버튼을 눌러 추가하세요.',
    noAlbums: '아직 앨범이 없어요. 첫 앨범을 만들어 보세요!', items: '사진과 동영상 {n}개', oneItem: '사진·동영상 1개',
    processing: '준비 중…', failed: '이 파일을 표시할 수 없어요', confirmDeleteAlbum: '"{title}" 앨범을 삭제할까요? 사진은 30일 동안 휴지통에 보관돼요.',
    confirmDelete: '휴지통으로 옮길까요? 30일 안에 되살릴 수 있어요.', confirmEmpty: '휴지통을 완전히 비울까요? 되돌릴 수 없어요.',
    trashEmpty: '휴지통이 비어 있어요.', restore: '되살리기', emptyTrash: '휴지통 비우기', restored: '되살렸어요.',
    restoreFailed: '"{name}" 파일을 되살리지 못했어요: {reason}',
    storage: '{total} 중 {used} 사용', previous: '이전', next: '다음', close: '닫기', download: '원본 내려받기', live: 'LIVE', playLive: '움직이는 사진 보기',
    uploading: '{count}개 중 {done}개 올리는 중', unfinished: '다 올리지 못한 사진·동영상이 {n}개 있어요. 같은 파일을 다시 고르면 멈춘 곳부터 이어서 올려요.', continueUploads: '이어서 올리기', checking: '확인하는 중…', waitingForNetwork: '인터넷 연결을 기다리는 중…', uploadPaused: 'picup이 화면 뒤에 있는 동안 휴대폰이 올리기를 멈췄어요. 지금 이어서 올려요. 다 끝날 때까지 picup을 열어 두세요.', uploadDone: '완료', alreadyAdded: '이미 올린 사진이라 한 번만 보관해요.', alreadyIn: '이미 ‘{album}’ 앨범에 있어서 한 번만 보관해요.', show: '보기', uploadFailed: '실패', retry: '다시 시도',
    leaveWarning: '아직 사진을 올리는 중이에요. 그래도 나갈까요?', notAllowed: '"{name}" 파일은 추가할 수 없어요. 사진과 동영상만 올릴 수 있어요.',
    noSpace: '저장 공간이 부족해요. 이 파일들에 {need}가 필요하지만 {free}만 남았어요. 휴지통을 비우거나 가족 관리자에게 공간을 요청하세요.',
    shareTitle: '앨범 공유', role: '할 수 있는 일', viewer: '사진 보기', contributor: '사진 보기와 추가',
    makeLink: '초대 링크 만들기', copy: '링크 복사', copied: '복사했어요!', linkHint: '가족에게 이 링크를 보내세요. 14일 동안 한 번 쓸 수 있어요.',
    addMember: '또는 이미 계정이 있는 가족 추가', add: '추가', added: '추가했어요.',
    offline: 'picup에 연결할 수 없어요. 인터넷 연결을 확인하고 다시 시도하세요.', wrongLogin: '이메일 또는 비밀번호가 틀렸어요.',
    takenOn: '{date} 촬영', loadMore: '더 보기',
    news: '새 소식', search: '찾기', searchHint: '제주, 2019, 할머니…', searchFor: '찾기: {q}',
    searchResults: '찾은 사진', noResults: '찾지 못했어요. 낱말의 일부나 2019 같은 연도, 앨범 이름으로 찾아보세요.',
    like: '좋아요', likes: '좋아요 {n}', commentCount: '댓글 {n}', albumHit: '앨범: {title}', comments: '댓글', writeComment: '댓글 쓰기',
    send: '보내기', notifications: '알림: 새 소식 {n}개', newPhotos: '{who}님이 {album}에 사진 {n}장을 올렸어요',
    likedYours: '{who}님이 {album}의 내 사진을 좋아해요', commentedYours: '{who}님이 {album}의 내 사진에 댓글을 남겼어요',
    joined: '{who}님이 {album}에 들어왔어요', memoriesNews: '이날의 추억: {years}년 사진 {n}장', memoriesNewsOne: '이날의 추억: {years}년 사진 1장', noNews: '아직 새 소식이 없어요. 새 사진, 좋아요, 댓글이 여기에 나타나요.',
    follow: '{who}님 소식 받기', following: '소식 받는 중',
    signInWithPasskey: '지문이나 얼굴로 로그인 (패스키)',
    passkeySignInHint: '이 휴대폰이나 컴퓨터의 지문·얼굴·화면 잠금으로 로그인해요. 입력할 것이 없어요.',
    orWithPassword: '또는 이메일과 비밀번호로 로그인:',
    passkeySignInCancelled: '지문이나 얼굴 로그인이 끝나지 않았어요. 다시 해 보시거나 이메일과 비밀번호로 로그인하세요.',
    passkeyAddCancelled: '패스키를 추가하지 못했어요. 지문·얼굴·화면 잠금이 확인되지 않았어요. 다시 해 보세요.',
    passkeyAlreadyHere: '이 휴대폰이나 컴퓨터에는 이미 내 계정의 패스키가 있어요.',
    passkeyNotHere: '이 브라우저에서는 지문이나 얼굴로 picup에 로그인할 수 없어요. 이메일과 비밀번호로 로그인하세요.',
    passkeyRefused: '이 패스키는 받아들여지지 않았어요. 다시 해 보시거나 이메일과 비밀번호로 로그인하세요.',
    passkeyNotAdded: '패스키를 추가하지 못했어요. 다시 해 보세요.',
    passkeys: '지문·얼굴 로그인 (패스키)',
    passkeysHelp: '패스키가 있으면 비밀번호 대신 지문·얼굴·화면 잠금으로 로그인해요. 패스키는 내 휴대폰이나 컴퓨터에 보관돼요.',
    noPasskeys: '아직 패스키가 없어요.', addPasskey: '패스키 추가하기',
    passkeyAdded: '완료! 다음부터는 “지문이나 얼굴로 로그인”을 누르세요.',
    passkeyAddedOn: '{date} 추가', passkeyLastUsed: '마지막 사용 {date}', passkeyNeverUsed: '아직 쓰지 않았어요',
    removePasskey: '지우기', confirmRemovePasskey: '“{name}” 패스키를 지울까요? 비밀번호로는 계속 로그인할 수 있어요.',
    passkeyRemoved: '패스키를 지웠어요.',
    signedInWithPassword: '비밀번호로 로그인함', signedInWithPasskey: '패스키(지문·얼굴)로 로그인함',
    signedInWithLink: '로그인 링크로 로그인함',
    family: '가족', familyTitle: '가족 구성원',
    familyHelp: '가족 앨범에 있는 모든 사람이에요. 로그인하지 못하는 가족이 있으면 로그인 링크를 만들어 주세요.',
    you: '나', signInLink: '로그인 링크', signInLinkFor: '{name}님의 로그인 링크',
    linkDialogHint: '{name}님이 휴대폰 카메라로 이 코드를 찍게 하거나 링크를 보내 주세요. 비밀번호 없이 한 번 로그인할 수 있어요.',
    qrAlt: '{name}님의 로그인 링크 QR 코드', signInLinkLabel: '로그인 링크',
    linkValidUntil: '{when}까지 쓸 수 있어요. 한 번만 쓸 수 있어요.',
    linksTitle: '만든 로그인 링크', noLinks: '아직 만든 로그인 링크가 없어요.',
    linkMadeBy: '{by}님이 {when}에 만듦',
    linkActive: '아직 쓰지 않음. {when}까지 쓸 수 있음', linkUsed: '{when}에 사용됨', linkExpired: '쓰지 않은 채 기한이 지남',
    linkRevoked: '{when}에 중지함',
    revokeLink: '이 링크 중지', confirmRevokeLink: '{name}님의 로그인 링크를 중지할까요? 더 이상 쓸 수 없게 돼요.', linkStopped: '링크를 중지했어요.',
    linkWelcome: '{name}님, 환영해요', signedInNow: '로그인되었어요.', whatNext: '무엇을 할까요?',
    usePasskeyNextTime: '다음부터 지문이나 얼굴로 로그인하기',
    usePasskeyHint: '휴대폰이 지문·얼굴·화면 잠금을 물어봐요. 그다음부터는 비밀번호 없이 로그인해요.',
    chooseNewPassword: '새 비밀번호 정하기', newPassword: '새 비밀번호',
    passwordRule: '8글자 이상. 기억하기 쉬운 짧은 문장이 좋아요.', showPassword: '비밀번호 보기',
    currentPassword: '지금 비밀번호', currentPasswordNeeded: '비밀번호를 바꾸려면 먼저 지금 비밀번호를 입력하세요.',
    wrongCurrentPassword: '지금 비밀번호가 맞지 않아요.', passwordTooShort: '새 비밀번호는 8글자 이상이어야 해요.',
    passwordTooLong: '새 비밀번호는 256글자까지 쓸 수 있어요.',
    saveNewPassword: '새 비밀번호 저장', passwordSaved: '새 비밀번호를 저장했어요. 다음에 로그인할 때 쓰세요.',
    goToAlbums: '앨범 보러 가기', signingIn: '로그인하는 중…',
    linkRefusedTitle: '이 링크는 더 이상 쓸 수 없어요',
    linkRefused: '이 로그인 링크는 이미 사용되었거나 기한이 지났어요. 가족 관리자에게 새 링크를 부탁하세요.',
    toSignIn: '로그인 화면으로 가기',
    signInWith: '{provider} 계정으로 로그인', joinWith: '{provider} 계정으로 참여하기',
    joinInvited: '가족이 초대했어요. 버튼 하나로 참여하세요:',
    orJoinWithPassword: '또는 이름, 이메일, 비밀번호를 정해서 참여하세요:',
    identitiesTitle: '로그인에 쓰는 다른 계정',
    identitiesHelp: '비밀번호 대신 이미 쓰고 있는 다른 계정으로 picup에 로그인할 수 있어요. 여기서 한 번 연결하면, 그다음부터는 로그인 화면에서 그 버튼을 누르면 돼요.',
    noIdentities: '아직 연결한 계정이 없어요.',
    identityLinkedOn: '{date} 연결', identityLastUsed: '마지막 로그인 {date}', identityNeverUsed: '아직 로그인에 쓰지 않았어요',
    linkAccount: '내 {provider} 계정 연결하기', unlink: '연결 끊기',
    confirmUnlink: '{provider} 계정 연결을 끊을까요? 그다음부터는 그 버튼으로 로그인할 수 없어요. 비밀번호나 패스키로 로그인하세요.',
    identityUnlinked: '{provider} 계정 연결을 끊었어요.',
    identityLinked: '완료! 다음부터는 “{provider} 계정으로 로그인”을 누르세요.',
    signedInWithOidc: '{provider} 계정으로 로그인함', signedInWithLinkedAccount: '연결한 계정으로 로그인함',
    placeCountry: '{place}에서 로그인함', placeCity: '{place} 부근에서 로그인함',
    oidcErrorTitle: '잘 되지 않았어요',
    oidcUnknown: '이 계정은 아직 가족 앨범에 없어요. 가족에게 초대 링크를 부탁하세요. 이미 picup 계정이 있다면 이메일과 비밀번호로 로그인한 다음 ‘기기’ 화면에서 이 계정을 연결하세요.',
    oidcEmailTaken: '이 이메일 주소로 만든 계정이 이미 있어요. 이메일과 비밀번호로 로그인한 다음 ‘기기’ 화면에서 이 계정을 연결하세요.',
    oidcLinkedElsewhere: '이 계정은 이미 가족 중 다른 사람과 연결되어 있거나, 같은 종류의 다른 계정을 이미 연결하셨어요.',
    oidcCancelled: '끝나기 전에 로그인을 멈췄어요. 바뀐 것은 없어요. 언제든 다시 해 보세요.',
    oidcRefused: '확인이 제대로 되지 않아서, 앨범을 안전하게 지키려고 멈췄어요. 다시 해 보세요.',
    oidcUnavailable: '지금은 로그인 서비스에 연결할 수 없어요. 나중에 다시 해 보시거나 이메일과 비밀번호로 로그인하세요.',
    oidcGeneral: '로그인이 되지 않았어요. 다시 해 보시거나 이메일과 비밀번호로 로그인하세요.',

    uploadTotal: '전체 올리기', inviteLinkLabel: '초대 링크', viewerLabel: '사진 보기',
    more: '더 보기', settings: '설정', menu: '메뉴', tabs: '화면', notificationsLabel: '알림',
    devicesAndSignIn: '기기와 로그인', storageTitle: '저장 공간', signedInAs: '{name}님({email})으로 로그인되어 있어요',
    emailTaken: '이 이메일 주소로 만든 계정이 이미 있어요. 그 계정으로 로그인하세요.',
    signInInstead: '이 이메일로 로그인하기',
    inviteUsed: '이 초대 링크는 이미 사용되었거나 기한이 지났어요. 이 링크로 이미 가입하셨다면 로그인하세요. 아니라면 가족에게 새 링크를 부탁하세요.',
    inviteNeeded: '가입하려면 초대 링크가 필요해요. 가족에게 링크를 보내 달라고 부탁하세요.',
    tooManyTries: '너무 여러 번 시도했어요. 1분 뒤에 다시 해 보세요.',
    quotaExceeded: '저장 공간이 부족해요. 휴지통을 비우거나 가족 관리자에게 공간을 요청하세요.',
    fileTooLarge: '이 파일은 picup에 올리기에 너무 커요.', unsupportedType: '사진과 동영상만 올릴 수 있어요.',
    notFound: '더 이상 여기에 없어요. 삭제되었을 수 있어요.',
    notAllowedHere: '여기서는 할 수 없는 일이에요. 앨범 주인에게 물어보세요.',
    signInAgain: '다시 로그인해 주세요.', notInTrash: '이미 휴지통에 없어요.',
    serverTrouble: 'picup에 문제가 생겼어요. 잠시 뒤에 다시 해 보세요.',
    badEmail: 'name@example.com 같은 이메일 주소를 입력하세요.', badName: '이름을 입력하세요 (100글자까지).',
    badTitle: '1~200글자로 이름을 정해 주세요.', writeSomething: '먼저 내용을 써 주세요.', badRole: '할 수 있는 일을 골라 주세요.',
    memberEmailProblem: '이 이메일을 쓰는 가족이 없거나 앨범 주인의 이메일이에요. 대신 초대 링크를 보내세요.',
    sharedCanAdd: '함께 보는 앨범 · 사진 보기와 추가', sharedCanLook: '함께 보는 앨범 · 보기만 가능',
    sharedWithPeople: '{n}명과 함께 보는 앨범', onlyYou: '나만 보는 앨범', yourAlbum: '내 앨범',
    newAlbumHint: '새 앨범은 나만 볼 수 있어요. 공유해야 가족도 볼 수 있어요.', deleteAlbum: '앨범 삭제',
    viewerCannotAdd: '사진을 올리려면 앨범 주인에게 부탁하세요.',
    uploadsFinished: '끝났어요: {count}개 중 {done}개',
    trashHelp: '삭제한 사진은 30일 동안 여기에 있어요. ‘되살리기’를 누르면 돌아와요.',
    emptyTrashTitle: '완전히 삭제',
    emptyTrashHelp: '휴지통에 있는 것은 30일 뒤에 완전히 삭제돼요. 지금 공간을 비우려면 휴지통을 비울 수 있어요. 되돌릴 수 없어요.',
    emptyTrashForGood: '모두 완전히 삭제',
    movedToTrash: '휴지통으로 옮겼어요.', undo: '되돌리기', photoAlt: '사진, {date}', videoAlt: '동영상, {date}', loading: '불러오는 중…',
    playVideo: '동영상 재생', play: '재생', dateUnknown: '날짜 모름',
    noComments: '아직 댓글이 없어요. 첫 댓글을 남겨 보세요!', hideComments: '댓글 닫기',
    newPhoto: '{who}님이 {album}에 사진 1장을 올렸어요',
    searchWhat: '무엇을 찾을까요?', searchHelp: '낱말의 일부, 2019 같은 연도, 앨범 이름, 댓글의 낱말로 찾을 수 있어요.',

    // 공유 링크 (#20): 링크로 여는 화면, 앨범 주인의 링크 창, 내려받기, 이날의 추억.
    downloadPhoto: '이 사진 내려받기', downloadAll: '모두 내려받기', zipSize: '({size})',
    sharedEndedTitle: '이 링크는 끝났어요', sharedEnded: '보낸 사람에게 새 링크를 부탁하세요.',
    sharedUnknownTitle: '이 링크가 열리지 않아요',
    sharedUnknown: '링크의 일부가 빠졌을 수 있어요. 링크를 빠짐없이 복사했는지 확인하시거나, 보낸 사람에게 새 링크를 부탁하세요.',
    sharedPasswordTitle: '비밀번호가 있는 앨범이에요',
    sharedPasswordLead: '사진을 공유한 사람이 비밀번호를 걸어 두었어요. 사진을 보려면 여기에 입력하세요.',
    sharedPasswordHint: '이 휴대폰이나 컴퓨터에서는 한 번만 입력하면 돼요.', sharedOpen: '앨범 열기',
    sharedWrongPassword: '비밀번호가 맞지 않아요. 링크를 보낸 사람에게 확인하고 다시 해 보세요.',
    sharedTooManyTries: '너무 여러 번 틀렸어요. {wait} 기다렸다가 다시 해 보세요.',
    waitFewSeconds: '몇 초', waitMinute: '1분', waitMinutes: '{n}분',
    sharedLead: '나와 공유한 사진이에요. 사진을 누르면 크게 보여요.',
    sharedLookOnly: '계정 없이 볼 수 있어요.', sharedUntil: '이 링크는 {date}까지 쓸 수 있어요.',
    sharedEmpty: '아직 이 앨범에 사진이 없어요.',
    shareLinkTitle: '링크로 공유하기',
    shareLinkHelp: '링크가 있는 사람은 누구나 계정 없이 이 앨범을 볼 수 있어요. 추가, 수정, 삭제는 할 수 없어요.',
    shareLinkOpen: '링크로 공유하기…', linkHowLong: '링크를 얼마 동안 쓸 수 있게 할까요?',
    linkForever: '내가 중지할 때까지', linkWeek: '1주일', linkMonth: '1개월',
    linkAllowDownload: '사진 내려받기 허락', linkPassword: '비밀번호 (원할 때만)',
    linkPasswordHint: '4글자 이상. 링크와 같은 메시지가 아니라 따로 알려 주세요.',
    makeShareLink: '링크 만들기', shareLinkLabel: '공유 링크',
    shareLinkMade: '링크가 만들어졌어요. 복사해서 가족에게 보내세요.',
    shareSheet: '다른 앱으로 보내기', shareSheetText: '“{title}” 사진',
    shareLinksMade: '이 앨범의 링크', noShareLinks: '아직 만든 링크가 없어요.', shareLinkMadeOn: '{date}에 만든 링크',
    shareLinkUntil: '{date}까지 쓸 수 있음', shareLinkNoEnd: '중지할 때까지 쓸 수 있음', shareLinkRevoked: '중지함', shareLinkExpired: '기한이 끝남',
    withPassword: '비밀번호 있음', noPassword: '비밀번호 없음', downloadsAllowed: '내려받기 허락', downloadsNotAllowed: '보기만 가능',
    revokeShareLink: '이 링크 중지', confirmRevokeShareLink: '이 링크를 중지할까요? 링크가 있는 사람도 더 이상 앨범을 열 수 없어요.',
    shareLinkStopped: '링크를 중지했어요.',
    linkPasswordProblem: '비밀번호는 4~256글자로 정해 주세요.', linkEndProblem: '앞으로 올 날짜를 골라 주세요.',
    onThisDay: '이날의 추억', yearsAgoToday: '{n}년 전 오늘', oneYearAgoToday: '1년 전 오늘',
    slideshow: '슬라이드쇼', startSlideshow: '슬라이드쇼', slideshowNothing: '아직 보여 줄 사진이 없어요.',
    slideshowPause: '멈추기', slideshowPlay: '계속 보기', slideshowPaused: '멈춤', slideshowLeave: '슬라이드쇼 끝내기',
    slideshowSpeed: '사진마다', seconds: '{n}초',
    offlineNote: '인터넷에 연결되어 있지 않아요. 전에 본 사진을 보여 드려요.',
    addToAlbum: '앨범에 넣기', sharedFilesOne: '사진·동영상 1개를 넣을게요. 어느 앨범에 넣을까요?',
    sharedFiles: '사진과 동영상 {n}개를 넣을게요. 어느 앨범에 넣을까요?',
    sharedFilesNone: '넣을 것이 없어요. 사진이 오지 않았어요. 갤러리에서 다시 공유해 주세요.',
    sharedFilesNoAlbum: '사진을 넣을 수 있는 앨범이 아직 없어요. 새 앨범을 만드세요:', dontAdd: '넣지 않기',
    sharedFilesAdding: '‘{album}’ 앨범에 넣는 중…',
  },
};

let language = localStorage.getItem('picup.lang') || ((navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en');

export function currentLanguage() {
  return language;
}

export function setLanguage(next) {
  language = STRINGS[next] ? next : 'en';
  localStorage.setItem('picup.lang', language);
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = t(element.dataset.i18nPlaceholder);
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', t(element.dataset.i18nLabel));
}

export function t(key, params = {}) {
  const text = STRINGS[language][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? '');
}

export function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function date(iso) {
  return new Date(iso).toLocaleDateString(language === 'ko' ? 'ko-KR' : 'en', { year: 'numeric', month: 'long', day: 'numeric' });
}

/**
 * When a photo was taken, as far as anyone knows: "Taken June 3, 2019" when the api says the date
 * is the photo's own (`taken_at_known`), "Date unknown" when it says it is not (taken_at is then
 * the upload's time), and the bare date while the api does not say.
 */
export function takenText(item) {
  if (!item.taken_at || item.taken_at_known === false) return t('dateUnknown');
  if (item.taken_at_known === true) return t('takenOn', { date: date(item.taken_at) });
  return date(item.taken_at);
}

/** A day and a time of day: "June 3, 2025 at 2:05 PM". */
export function dateTime(iso) {
  return new Date(iso).toLocaleString(language === 'ko' ? 'ko-KR' : 'en', { dateStyle: 'long', timeStyle: 'short' });
}

/** A country's name in the page's language ("South Korea", "대한민국") from its ISO 3166 code. */
export function region(code) {
  try {
    return new Intl.DisplayNames([language], { type: 'region' }).of(code) || code;
  } catch {
    return code;
  }
}

/** Where a device signed in, roughly: "Signed in near Seoul, South Korea"; null without a place. */
export function placeText(place) {
  if (!place || !place.country) return null;
  const country = region(place.country);
  if (!place.city) return t('placeCountry', { place: country });
  // Korean names the bigger place first: "대한민국 서울".
  return t('placeCity', { place: language === 'ko' ? `${country} ${place.city}` : `${place.city}, ${country}` });
}
