# Builds common_passwords.txt: the most common passwords of the public-domain "10 million
# passwords" list (Mark Burnett, 2015) that we keep by hand, plus the usual Chinese ones, plus the
# variants people make of them to pass a composition rule (a capital, a digit run, a year, a "!").
bases = """123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123
football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321
superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh
hunter buster soccer harley batman andrew tigger sunshine iloveyou charlie robert thomas hockey ranger
daniel starwars klaster 112233 george computer michelle jessica pepper 1111 zxcvbn 555555 11111111
131313 freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley
nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor matrix william
corvette hello martin heather secret merlin diamond 1234qwer hammer silver 222222 88888888 anthony
justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer cookie richard samantha
bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro peanut morgan
welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota arsenal eagles
melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo
bulldog qwer1234 compaq purple banana junior hannah 123654 porsche lakers iceman money cowboys 987654
london tennis 999999 coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever
johnny edward 333333 oliver redsox player nikita knight fender barney midnight please brandy chicago
badboy slayer rangers charles angel flower bigdaddy rabbit wizard jasper enter rachel chris steven
winner adidas victoria natasha 1q2w3e4r jasmine winter prince marine fishing cocacola casper james
232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321 golden 8675309 panther
lauren angela spanky thx1138 angels madison winston shannon mike toyota jordan23 canada sophie apples
tiger 123abc pokemon qazxsw 55555 qwaszx muffin johnson murphy cooper jonathan liverpool david
danielle 159357 jackie 1990 123456a 789456 turtle abcd1234 scorpion qazwsxedc 101010 butter carlos
password1 dennis slipknot qwerty123 asdf 1991 black startrek 12341234 cameron newyork rainbow nathan
john 1992 rocket viking asdfghjkl sierra peaches gemini doctor wilson sandra helpme qwertyui victor
florida dolphin captain tucker blue theman bandit dolphins packers jaguar lovers nicholas united
tiffany maxwell zzzzzz nirvana jeremy monica elephant giants hotdog rosebud success mountain 444444
warrior 1q2w3e4r5t q1w2e3 123456q albert metallic lucky azerty alex bond007 alexis samson benjamin
dexter jason calvin freddy 212121 creative 12345a sydney 1989 asdfghjk red123 passw0rd trouble
gunner happy gordon legend jessie stella qwert eminem arthur apple nissan america 1qazxsw2 nothing
parker rebecca qweqwe garfield beavis jack asdasd december 102030 11223344 magic apollo skippy
kitten golf copper shelby godzilla beaver buddy airborne 1993 1988 brooklyn animal platinum phantom
online xavier darkness blink182 power green 789456123 voyager police travis 12qwaszx heaven snowball
lover abcdef pakistan 007007 walter cricket sniper donkey willow loveme saturn therock pumpkin
trinity williams nintendo digital destiny topgun runner marvin chance bubbles testing november
minecraft asdf1234 lasvegas broncos cartman private celtic family 12121212 school gabriel eclipse
fluffy 147258369 lol123 explorer nelson spencer lovely gibson cherry snickers buffalo metallica
member carter qwertyu peter alexander steve paradise montana mexico dreams michigan carolina friends
genius cool vampire asd123 kimberly speedy 111222 sabrina horses 0987654321 qwerty1 baby enigma
147147 star poohbear 147258 simple marcus brian 1987 qweasdzxc hahaha caroline viper drummer
einstein genesis hello1 friend forest google vanessa friday alaska tester jester champion billy
147852 hawaii walker stephen october gregory music shorty westside stanley diesel kevin hitman
12345qwert frank qwe123 popcorn patricia aaaaaaaa teresa mozart anderson paul melanie abcdefg
security lucky1 lizard a12345 123789 stargate simpsons eagle 123456789a olivia naruto 1234554321
general a123456 vincent qweasd free frankie douglas loveyou kitty kelly veronica suzuki penguin
mercury liberty spirit scotland natalie marley vikings system king allison marshall qwerty12 hummer
adrian 1985 sandman rocky leslie antonio 98765432 softball passion mnbvcxz passport rascal howard
franklin homer jupiter claudia 55555555 zaq12wsx infinity 54321 college russia kawasaki money1
disney 00000000 sweet honda domino norman monday jimmy ironman ford fantasy 7654321 duncan house
dancer super justice connor patriots 202020 molly water test123 motorola ireland asdfg houston
zombie vision kermit avalon sarah logitech chopper 852456 simpson madonna juventus 159951 hello123
extreme fireman 123654789 panthers georgia skyline jesus smooth pirate empire bullet virginia
predator arizona 134679 titanic wolf 741852963 1111111111 dreamer arnold changeme simon 1q2w3e
lovelove denver tommy happy1 michael1 147852369 windows turkey 456789 daddy american victory
rooster electric a1b2c3 spring lalala spiderman darkside classic zxc123 crazy england brazil
wildcat carrie 99999999 qaz123 holiday brother admin pretty good alabama airplane 22222222
1029384756 sports ronaldo pandora snowman france perfect alpha1 flowers chocolate business
123qweasd ytrewq serenity greenday 135790 010101 tiger1 sunset charlie1 berlin a1b2c3d4 white
password123 candy anna 142536 sasha pyramid hercules maria basketball zeppelin whynot swimming
service engineer adam 741852 21122112 456123 future icecream fireball blonde abcd angel1 666999
321321 rockstar flash defender oscar casino beauty savage raven 246810 theone swordfish airforce
abcdefgh hacker 753951 freddie bluebird qazqaz mouse manager tattoo precious harrison beach tornado
goldfish openup street paris light julian dilbert chris1 atlanta sailor lucifer dragons target
student 123qweasdzxc wordpass newton bubble 31415926 trigger iloveu design 999999999 video stealth
shooter 314159 malibu letmein1 foobar unicorn potter cookies country assassin zaqwsx testtest
microsoft teacher sweety random laura athena butterfly joker atlantis tony polaris angelina 77777
pepsi gizmo express dollar smiley cessna bunny toshiba single father castle cadillac samurai
birthday 1234abcd sunday flipper asdfghj 181818 great daisy mustang1 qazwsx123 12345678910 mylove
travel sugar snake sister siemens leonardo galaxy sweetpea 321654 13131313 spartan freedom1 pizza
manchester hamilton 1995 special 1a2b3c storm seven rose 1qaz2wsx3edc 1478963 0123456789 toronto
pioneer kissme jungle holland harry garden dragon1 diamonds 343434 wonder subaru racecar morpheus
change bigfoot babylon 66666666 tomtom thuglife aurora welcome1 triumph hunting element 2121
123qwe123 omega monika hobbit 951753 11235813 sakura griffin artist island goforit emerald
elizabeth anakin watson italia autumn 123 sherlock q12345 marathon german accessdenied 123asd
barcelona ultimate energy david1 yankees1 sophia q1w2e3r4t5y6 poiuyt mario global 123454321
portugal onelove network ladybug isabella germany 14789632 qazxswedc moon jesus1 kingkong bluesky
911911 112358 sunny planet 1123581321 whiskey party january connect bluemoon 5555555 smiles nolimit
555666 rocker japan home personal peace movie 7895123 super123 mission anything shalom natalia
lollipop fernando christian apple1 unreal open faster april werewolf orion hongkong camera blackcat
a1234567 1q1q1q stars pentium always speed 909090 dream office monitor matthew1 maniac delta
44444444 121314 shadow1 patriot oxford 1999 ninja kingdom ghost crimson boeing 090909 zaq123
wolverine sunrise eternity 012345 standard squirrel qazwsxed 505050 support safety newlife
1q2w3e4r5t6y 159159 twilight thanks potato pikachu master1 789789 456852 stone stardust peanuts
magic1 fusion 123321123 123098 chaos python newpass 1234567a harmony gold fighter 1996 192837465
starcraft mushroom capital 25802580 flight 123698745 1234512345 miami blue123
woaini 5201314 woaini1314 woaini520 iloveyou1314 1314520 520520 521521 520131 aini1314 woaiwojia
qq123456 qq5201314 a123456789 abc123456 aa123456 a111111 abc123456789 wang123 zhang123 li123456
wangwei liuyang zhangwei lijun wangfang 147258369a 123456abc 123456aa 1qaz2wsx3edc4rfv zxcvbnm123
qwe123456 asd123456 zxc123456 iloveyou1 caonima nihao nihao123 admin123 administrator root
woshishui wocaonima tianya baidu taobao 88888888a 666666a 168168 518518 888888a 123456qq yizhan
zhengfu zhengwu xingzheng bianmin fuwu guanli gongzuo beijing shanghai guangzhou shenzhen
china zhongguo china123 huawei xiaomi welcome123 password12 password2 passwd p@ssw0rd p@ssword
pa55word pa55w0rd qwerty1234 qwertyuiop123 1qaz@wsx 1qaz!qaz abc@123 admin@123 root123 test1234
""".split()
suffixes = ["", "1", "12", "123", "1234", "!", "1!", "123!", "@123", "520", "1314", "2025", "2026"]
out = set()
for b in bases:
    b = b.lower()
    for s in suffixes:
        out.add(b + s)
    out.add(s_ := b[::-1]) if len(b) >= 6 else None
lines = sorted(p for p in out if len(p) >= 8)
with open("common_passwords.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines))
